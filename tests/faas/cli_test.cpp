// The faasdl subcommands of this layer: `platform serve`, `worker`, `package` (skipped when the
// faasdl binary has not been built).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "core/fs.h"
#include "core/json.h"
#include "faas/invoker.h"
#include "faas_test_util.h"

namespace faasdl::faas {
namespace {

using testing::faasdl_binary;
using testing::run_shell;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A child process killed (SIGKILL) if the test ends without stopping it.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  int stop(int sig) {
    ::kill(pid, sig);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
};

TEST(FaasCli, PlatformServeRunsFunctionsFromAFile) {
  const std::string bin = faasdl_binary();
  if (bin.empty()) GTEST_SKIP() << "faasdl binary not built";
  const std::string dir = ::testing::TempDir() + "/faas_cli_" + std::to_string(::getpid());
  make_dirs(dir);
  write_file_atomic(dir + "/functions.json",
                    Json{{"functions", {{{"name", "fixture"}, {"command", testing::fixture_binary()}, {"memory", 256}}}}}
                        .dump());
  const int port = free_port();
  Child server;
  server.pid = ::fork();
  if (server.pid == 0) {
    const std::string p = std::to_string(port);
    const std::string f = dir + "/functions.json";
    ::execl(bin.c_str(), bin.c_str(), "platform", "serve", "--port", p.c_str(), "--functions", f.c_str(), "--quiet",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  InvokerOptions io;
  io.endpoint = "http://127.0.0.1:" + std::to_string(port);
  io.sign = false;
  Invoker inv(io);
  Result<InvokeResult> r = Status(Code::kUnavailable, "not tried");
  for (int i = 0; i < 100 && !r.ok(); ++i) {
    r = inv.invoke("fixture", R"({"op":"env"})", Deadline::after_ms(5000));
    if (!r.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(Json::parse(r->body)["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  auto echo = inv.invoke("echo", R"({"hello":"world"})", Deadline::after_ms(10000));
  ASSERT_TRUE(echo.ok()) << echo.status().to_string();
  EXPECT_EQ(echo->body, R"({"hello":"world"})");
  ASSERT_TRUE(echo->billing.has_value());
  EXPECT_EQ(echo->billing->memory_size_mb, 1769);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(FaasCli, WorkerWithoutRuntimeApiFailsClearly) {
  const std::string bin = faasdl_binary();
  if (bin.empty()) GTEST_SKIP() << "faasdl binary not built";
  const auto r = run_shell("env -u AWS_LAMBDA_RUNTIME_API " + bin + " worker --handler echo");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos) << r.output;
  const auto unknown = run_shell("env -u AWS_LAMBDA_RUNTIME_API " + bin + " worker --handler no-such-handler");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no handler named 'no-such-handler'"), std::string::npos) << unknown.output;
}

TEST(FaasCli, PackageBuildsARunnableBootstrap) {
  const std::string bin = faasdl_binary();
  if (bin.empty()) GTEST_SKIP() << "faasdl binary not built";
  if (run_shell("command -v zip && command -v unzip").exit_code != 0) GTEST_SKIP() << "zip/unzip not installed";
  const std::string dir = ::testing::TempDir() + "/faas_pkg_" + std::to_string(::getpid());
  run_shell("rm -rf " + dir);
  make_dirs(dir + "/task");
  const auto r = run_shell(bin + " package --out " + dir + "/faasdl-lambda.zip");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t open = r.output.find('{');
  ASSERT_NE(open, std::string::npos) << r.output;
  const Json report = Json::parse(r.output.substr(open, r.output.find('\n', open) - open));
  EXPECT_TRUE(report["fits_direct_upload_50MB"].get<bool>()) << r.output;
  EXPECT_TRUE(report["fits_unzipped_250MB"].get<bool>()) << r.output;
  ASSERT_EQ(run_shell("cd " + dir + "/task && unzip -q ../faasdl-lambda.zip").exit_code, 0);
  EXPECT_EQ(::access((dir + "/task/bootstrap").c_str(), X_OK), 0);

  // The unpacked bootstrap is a function: run it on the platform as Lambda would.
  PlatformOptions o = testing::test_options();
  FunctionConfig f;
  f.name = "packaged";
  f.command = {dir + "/task/bootstrap"};
  f.handler = "echo";  // _HANDLER picks the built-in echo handler
  f.memory_mb = 512;
  o.functions = {f};
  testing::RunningPlatform p(o);
  const PlatformResponse out = p->invoke("packaged", R"({"from":"zip"})");
  EXPECT_EQ(out.status, 200);
  EXPECT_TRUE(out.function_error.empty()) << out.body;
  EXPECT_EQ(out.body, R"({"from":"zip"})");
  run_shell("rm -rf " + dir);
}

}  // namespace
}  // namespace faasdl::faas
