#include "support/servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

namespace faasdl::testing {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// Full path of an executable found on PATH, or "".
std::string which(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(int port, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    sleep_ms(20);
  }
  return false;
}

std::string make_temp_dir(const std::string& tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/faasdl-" + tag + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// ---- ChildProcess ----

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  const std::string exe = which(argv.at(0));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test binary
    if (::getppid() != parent) ::_exit(127);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execv(exe.c_str(), args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() const {
  if (pid_ <= 0) return false;
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

void ChildProcess::pause() {
  if (pid_ > 0) {
    ::kill(pid_, SIGSTOP);
    paused_ = true;
  }
}

void ChildProcess::resume() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    paused_ = false;
  }
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  if (paused_) resume();
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) != 0) {
      pid_ = -1;
      return;
    }
    sleep_ms(20);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

// ---- Blackhole ----

Blackhole::Blackhole() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

Blackhole::~Blackhole() { ::close(fd_); }

// ---- RedisServer ----

std::unique_ptr<RedisServer> RedisServer::start(const std::string& password, std::string* error) {
  if (which("redis-server").empty()) {
    *error = "redis-server is not installed (not found on PATH): run scripts/setup.sh";
    return nullptr;
  }
  std::unique_ptr<RedisServer> s(new RedisServer());
  s->password_ = password;
  s->dir_ = make_temp_dir("redis");
  for (int attempt = 0; attempt < 3; ++attempt) {
    s->port_ = free_port();
    if (s->launch()) return s;
  }
  *error = "redis-server did not start listening; see " + s->dir_ + "/redis.log";
  return nullptr;
}

bool RedisServer::launch() {
  std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", dir_};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  process_ = std::make_unique<ChildProcess>(argv, dir_ + "/redis.log");
  if (wait_for_port(port_, 10000)) return true;
  process_->stop();
  return false;
}

bool RedisServer::restart() {
  process_->stop();
  return launch();
}

RedisServer::~RedisServer() {
  process_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RedisServer::uri(const std::string& suffix) const {
  return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") + "127.0.0.1:" + std::to_string(port_) +
         "/0" + suffix;
}

// ---- S3Server ----

std::unique_ptr<S3Server> S3Server::start(std::string* error) {
  const std::string bin = std::string(FAASDL_SOURCE_DIR) + "/tools/node_modules/.bin/s3rver";
  if (access(bin.c_str(), F_OK) != 0) {
    *error = "s3rver is not installed (" + bin + " is missing): run scripts/setup.sh";
    return nullptr;
  }
  if (which("node").empty()) {
    *error = "node is not installed (not found on PATH): run scripts/setup.sh";
    return nullptr;
  }
  std::unique_ptr<S3Server> s(new S3Server());
  s->dir_ = make_temp_dir("s3rver");
  for (int attempt = 0; attempt < 3; ++attempt) {
    s->port_ = free_port();
    s->process_ = std::make_unique<ChildProcess>(
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in
        // its legacy provider.
        std::vector<std::string>{"node", "--openssl-legacy-provider", bin, "-d", s->dir_ + "/data", "-a", "127.0.0.1", "-p",
                                 std::to_string(s->port_), "-s", "--configure-bucket", kBucket},
        s->dir_ + "/s3rver.log");
    if (wait_for_port(s->port_, 30000)) return s;
    s->process_->stop();
  }
  *error = "s3rver did not start listening; see " + s->dir_ + "/s3rver.log";
  return nullptr;
}

S3Server::~S3Server() {
  process_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string S3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

// ---- Shared instances ----

namespace {

struct Shared {
  std::mutex mu;
  bool redis_tried = false, redis_auth_tried = false, s3_tried = false;
  std::string redis_error, redis_auth_error, s3_error;
  std::unique_ptr<RedisServer> redis, redis_auth;
  std::unique_ptr<S3Server> s3;
};

Shared& shared() {
  static Shared s;
  return s;
}

// Stops the shared servers when the test program ends, before static destruction.
class StopServers : public ::testing::Environment {
 public:
  void TearDown() override {
    Shared& s = shared();
    std::lock_guard<std::mutex> lock(s.mu);
    s.redis.reset();
    s.redis_auth.reset();
    s.s3.reset();
  }
};

[[maybe_unused]] const bool kRegistered = [] {
  ::testing::AddGlobalTestEnvironment(new StopServers);
  return true;
}();

}  // namespace

RedisServer* shared_redis(std::string* error) {
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.redis_tried) {
    s.redis_tried = true;
    s.redis = RedisServer::start("", &s.redis_error);
  }
  *error = s.redis_error;
  return s.redis.get();
}

RedisServer* shared_redis_with_password(std::string* error) {
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.redis_auth_tried) {
    s.redis_auth_tried = true;
    s.redis_auth = RedisServer::start(kRedisPassword, &s.redis_auth_error);
  }
  *error = s.redis_auth_error;
  return s.redis_auth.get();
}

S3Server* shared_s3(std::string* error) {
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.s3_tried) {
    s.s3_tried = true;
    s.s3 = S3Server::start(&s.s3_error);
  }
  *error = s.s3_error;
  return s.s3.get();
}

}  // namespace faasdl::testing
