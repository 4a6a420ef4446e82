// Real servers for the store tests: redis-server and s3rver on free loopback ports, started on
// first use and always stopped (RAII, plus a parent-death signal if the test binary dies).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace faasdl::testing {

// A loopback TCP port nothing listens on right now.
int free_port();
// True once something accepts connections on 127.0.0.1:port, false after timeout_ms.
bool wait_for_port(int port, int timeout_ms);
// A fresh directory under $TMPDIR (or /tmp); removed by the owner.
std::string make_temp_dir(const std::string& tag);

// A child process that is stopped (SIGTERM, then SIGKILL) when this object dies.
class ChildProcess {
 public:
  // Starts argv[0] (searched on PATH) with stdout and stderr appended to log_path.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;
  void pause();   // SIGSTOP: the process keeps its sockets but answers nothing
  void resume();  // SIGCONT
  void stop();

 private:
  pid_t pid_ = -1;
  bool paused_ = false;
};

// A socket that listens on loopback but never accepts: connects succeed, replies never come.
class Blackhole {
 public:
  Blackhole();
  ~Blackhole();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class RedisServer {
 public:
  // Empty `error` on success; otherwise why the server could not start.
  static std::unique_ptr<RedisServer> start(const std::string& password, std::string* error);
  ~RedisServer();
  int port() const { return port_; }
  // "redis://[:password@]127.0.0.1:port/0" + suffix
  std::string uri(const std::string& suffix = "") const;
  ChildProcess& process() { return *process_; }
  // Stops and starts the server again on the same port (clients must reconnect).
  bool restart();

 private:
  RedisServer() = default;
  bool launch();
  std::string password_;
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

class S3Server {
 public:
  static constexpr const char* kBucket = "faasdl-test";
  static std::unique_ptr<S3Server> start(std::string* error);
  ~S3Server();
  int port() const { return port_; }
  std::string endpoint() const;
  ChildProcess& process() { return *process_; }

 private:
  S3Server() = default;
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The servers of this test binary, started on first request and stopped at exit. A missing
// binary makes the returned pointer null and fills `error` with a message naming
// scripts/setup.sh.
RedisServer* shared_redis(std::string* error);
RedisServer* shared_redis_with_password(std::string* error);
S3Server* shared_s3(std::string* error);
constexpr const char* kRedisPassword = "faasdl-test-secret";

}  // namespace faasdl::testing
