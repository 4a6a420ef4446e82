#include <gtest/gtest.h>

#include <filesystem>

#include "core/fs.h"
#include "report/metrics_log.h"
#include "support/run_command.h"

namespace faasdl::testing {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("faasdl_cli_" + name);
  fs::remove_all(dir);
  return dir.string();
}

TEST(Cli, ModelSummaryOfSeedCnn) {
  const auto r = run_faasdl("model summary --model seed-cnn --input 32x32x3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Total params: 197,002"), std::string::npos) << r.output;
}

TEST(Cli, UnknownCommandAndOptionsAreRefused) {
  EXPECT_EQ(run_faasdl("frobnicate").exit_code, 2);
  const auto r = run_faasdl("model summary --model seed-cnn --inptu 32x32x3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown option --inptu"), std::string::npos) << r.output;
}

TEST(Cli, ImpossibleTrainingOptionsAreRefused) {
  const std::string out = temp_dir("bad");
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--batch 0", "--batch must be >= 1"},
      {"--lr -1", "--lr must be a positive number"},
      {"--optimizer rmsprop", "--optimizer must be sgd or adam"},
      {"--data cifar10:/nonexistent/dir", "/nonexistent/dir"},
      {"--data mnist-please", "mnist-please"},
      {"--model nosuchmodel", "unknown model 'nosuchmodel'"},
      {"--epochs 0", "--epochs must be >= 1"},
  };
  for (const auto& c : cases) {
    const auto r = run_faasdl("train --model mlp --limit 100 --no-progress --out " + out + " " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  const auto r = run_faasdl("train --resume " + out + "/missing");
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(Cli, TrainWritesRunDirectoryAndResumes) {
  const std::string out = temp_dir("resume");
  auto r = run_faasdl("train --model mlp --data fashion-mnist --limit 2000 --test-limit 500 --epochs 1 --seed 3 "
                      "--threads 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 1/1"), std::string::npos) << r.output;
  for (const char* f : {"config.json", "metrics.jsonl", "weights.safetensors", "checkpoint.safetensors"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  r = run_faasdl("train --resume " + out + " --epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 2/2"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("epoch 1/2"), std::string::npos) << "resume must not repeat epoch 1\n" << r.output;
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  for (const char* field : {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "wall_s", "images_per_s"})
    EXPECT_TRUE(records[1].contains(field)) << field;
  EXPECT_EQ(records[1]["epoch"], 2);
  EXPECT_GT(records[1]["val_accuracy"].get<double>(), 0.6);
}

// The engine's end-to-end accuracy bar: seed-cnn, 10,000 Fashion-MNIST images, 2 epochs, Adam.
TEST(Cli, SeedCnnReachesEightyPercentOnFashionMnist) {
  const std::string out = temp_dir("accuracy");
  const auto r = run_faasdl("train --model seed-cnn --data fashion-mnist --limit 10000 --epochs 2 --batch 32 "
                            "--optimizer adam --lr 0.001 --seed 1 --threads 2 --no-progress --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  const double acc = records[1]["val_accuracy"].get<double>();
  std::printf("seed-cnn fashion-mnist 10k x 2 epochs: val_accuracy %.4f\n", acc);
  EXPECT_GE(acc, 0.80) << r.output;
}

}  // namespace
}  // namespace faasdl::testing
