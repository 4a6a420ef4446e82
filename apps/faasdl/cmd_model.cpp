// faasdl model summary --model seed-cnn --input 32x32x3
#include <cstdio>

#include "cli.h"
#include "core/status.h"
#include "core/strings.h"
#include "nn/model.h"

namespace faasdl::cli {
namespace {

int model_cmd(Args& args) {
  const std::string sub = args.positional().empty() ? "" : args.positional()[0];
  if (sub != "summary" || args.flag("help")) {
    std::printf("usage: faasdl model summary --model NAME|spec.json [--input 32x32x3]\n");
    return sub == "summary" ? 0 : 2;
  }
  const std::string name = args.str("model", "seed-cnn");
  const Shape input = parse_input_shape(args.str("input", "32x32x3"));
  args.finish();
  nn::Model model(nn::resolve_model_spec(name), input);
  std::fputs(model.summary().c_str(), stdout);
  std::printf("Forward: %.1f MFLOP per image\n", model.forward_flops_per_sample() / 1e6);
  return 0;
}

const CommandRegistrar reg("model", "inspect models: `model summary --model seed-cnn --input 32x32x3`", &model_cmd);

}  // namespace
}  // namespace faasdl::cli
