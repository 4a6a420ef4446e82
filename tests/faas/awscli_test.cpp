// The real AWS CLI (Debian's awscli) invoking a function on the local platform.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "core/fs.h"
#include "core/json.h"
#include "faas_test_util.h"

namespace faasdl::faas {
namespace {

using testing::fixture_function;
using testing::run_shell;
using testing::RunningPlatform;
using testing::test_options;

std::string aws_cli() {
  if (::access("/usr/bin/aws", X_OK) == 0) return "/usr/bin/aws";
  return run_shell("command -v aws").exit_code == 0 ? "aws" : "";
}

class FaasAwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    aws_ = aws_cli();
    if (aws_.empty()) GTEST_SKIP() << "aws CLI not installed";
    dir_ = ::testing::TempDir() + "/faas_awscli_" + std::to_string(::getpid());
    make_dirs(dir_);
  }

  // Runs `aws lambda invoke` against the platform with the given keys; returns the CLI result.
  testing::ShellResult invoke(const LocalPlatform& p, const std::string& secret, const std::string& extra = "") {
    std::remove((dir_ + "/out.json").c_str());
    const std::string env = "env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=AKIDFAASDLCLI AWS_SECRET_ACCESS_KEY=" +
                            secret + " AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null "
                            "AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= AWS_EC2_METADATA_DISABLED=true "
                            "AWS_MAX_ATTEMPTS=1 ";
    return run_shell(env + aws_ + " lambda invoke --endpoint-url " + p.endpoint() +
                     " --function-name echo --cli-binary-format raw-in-base64-out --payload '{\"x\":1}' " + extra +
                     " --cli-read-timeout 30 --cli-connect-timeout 5 " + dir_ + "/out.json");
  }

  std::string aws_;
  std::string dir_;
};

TEST_F(FaasAwsCli, InvokesEchoOnTheLocalPlatform) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("echo")};
  RunningPlatform p(o);
  const auto r = invoke(p.platform, "any-secret", "--log-type Tail");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(dir_ + "/out.json"), R"({"x":1})");
  const Json meta = Json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(meta["StatusCode"], 200);
  EXPECT_EQ(meta["ExecutedVersion"], "$LATEST");
  ASSERT_TRUE(meta.contains("LogResult"));
  EXPECT_EQ(p->billing_records().size(), 1u);
}

TEST_F(FaasAwsCli, SignedRequestsPassAndWrongSecretsAreRefused) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("echo")};
  o.credentials = PlatformCredentials{"AKIDFAASDLCLI", "cli-secret"};
  RunningPlatform p(o);
  const auto good = invoke(p.platform, "cli-secret");
  ASSERT_EQ(good.exit_code, 0) << good.output;
  EXPECT_EQ(read_file(dir_ + "/out.json"), R"({"x":1})");

  const auto bad = invoke(p.platform, "not-the-secret");
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_NE(bad.output.find("InvalidSignatureException"), std::string::npos) << bad.output;
  EXPECT_EQ(p->billing_records().size(), 1u);
}

}  // namespace
}  // namespace faasdl::faas
