// faasdl data info|convert: inspect a data set, or write it in the CIFAR-10 binary layout.
#include <cstdio>

#include "cli.h"
#include "core/clock.h"
#include "core/status.h"
#include "data/dataset.h"

namespace faasdl::cli {
namespace {

void print_split(const char* name, const data::ImageSet& s) {
  std::printf("  %-5s %7lld images of %dx%dx%d, %d classes\n", name, static_cast<long long>(s.n), s.h, s.w, s.c,
              s.num_classes);
}

int data_cmd(Args& args) {
  const std::string sub = args.positional().empty() ? "" : args.positional()[0];
  if ((sub != "info" && sub != "convert") || args.flag("help")) {
    std::printf(
        "usage: faasdl data info --data SPEC [--limit N]\n"
        "       faasdl data convert --data imagefolder:DIR --to cifar10:OUT_DIR\n"
        "SPEC: fashion-mnist | idx:DIR | cifar10:DIR | imagefolder:DIR\n");
    return sub.empty() || args.has("help") ? 0 : 2;
  }
  data::LoadOptions opts;
  opts.limit = args.integer("limit", 0);
  const std::string spec = args.require("data");
  std::string to;
  if (sub == "convert") {
    to = args.require("to");
    FAASDL_CHECK(to.rfind("cifar10:", 0) == 0, "--to must be cifar10:OUT_DIR, got '", to, "'");
  }
  args.finish();
  Stopwatch clock;
  const data::DataSplits splits = data::load_dataset(spec, opts);
  std::printf("%s (loaded in %.2f s)\n", spec.c_str(), clock.seconds());
  print_split("train", splits.train);
  print_split("test", splits.test);
  if (sub == "convert") {
    clock.reset();
    const std::string dir = to.substr(8);
    data::write_cifar10_binary(splits, dir);
    std::printf("wrote CIFAR-10 binary batches to %s in %.2f s (records in the source's order; for an image\n"
                "folder that is class by class, so train with shuffling rather than --limit on the result)\n",
                dir.c_str(), clock.seconds());
  }
  return 0;
}

const CommandRegistrar reg("data", "inspect data sets and convert image folders to CIFAR-10 binary", &data_cmd);

}  // namespace
}  // namespace faasdl::cli
