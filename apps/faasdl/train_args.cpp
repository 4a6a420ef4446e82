#include "train_args.h"

#include "core/status.h"
#include "core/strings.h"

namespace faasdl::cli {

void read_train_options(Args& args, train::TrainOptions& o) {
  o.batch = static_cast<int>(args.integer("batch", o.batch));
  o.seed = static_cast<uint64_t>(args.integer("seed", static_cast<int64_t>(o.seed)));
  o.optimizer.type = args.str("optimizer", o.optimizer.type);
  o.optimizer.lr = static_cast<float>(args.number("lr", o.optimizer.lr));
  o.optimizer.momentum = static_cast<float>(args.number("momentum", o.optimizer.momentum));
  o.optimizer.nesterov = args.flag("nesterov") || o.optimizer.nesterov;
  o.optimizer.weight_decay = static_cast<float>(args.number("weight-decay", o.optimizer.weight_decay));
  o.optimizer.eps = static_cast<float>(args.number("adam-eps", o.optimizer.eps));
  o.schedule.type = args.str("lr-schedule", o.schedule.type);
  o.schedule.step_epochs = static_cast<int>(args.integer("lr-step-epochs", o.schedule.step_epochs));
  o.schedule.gamma = static_cast<float>(args.number("lr-gamma", o.schedule.gamma));
  o.schedule.min_lr = static_cast<float>(args.number("lr-min", o.schedule.min_lr));
  // --augment crop:4,flip | flip | none
  if (auto a = args.opt("augment")) {
    for (const auto& part : split(*a, ',')) {
      const auto p = std::string(trim(part));
      if (p == "none" || p.empty()) continue;
      if (p == "flip") {
        o.augment.flip = true;
      } else if (starts_with(p, "crop")) {
        o.augment.pad = p == "crop" ? 4 : static_cast<int>(parse_int(p.substr(5), "--augment crop:P"));
      } else {
        fail("--augment: unknown '", p, "' (use crop[:P], flip, none)");
      }
    }
  }
  optim::validate(o.optimizer);
  optim::validate(o.schedule);
  FAASDL_CHECK(o.batch >= 1, "--batch must be >= 1, got ", o.batch);
}

}  // namespace faasdl::cli
