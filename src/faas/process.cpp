#include "faas/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>

#include "core/strings.h"

namespace faasdl::faas {
namespace {

// Runs jobs on one thread that lives as long as the process: children forked there get
// PR_SET_PDEATHSIG tied to a thread that never exits early. Leaked on purpose (no static
// destruction order issues at exit).
class Launcher {
 public:
  static Launcher& get() {
    static Launcher* l = new Launcher();
    return *l;
  }
  template <typename F>
  auto run(F&& f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.emplace_back([&task] { task(); });
    }
    cv_.notify_one();
    return fut.get();
  }

 private:
  Launcher() {
    std::thread([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return !jobs_.empty(); });
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    }).detach();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
};

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

void mark_fds_cloexec_from(int first) {
#ifdef CLOSE_RANGE_CLOEXEC
  if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  for (int fd = first; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(SpawnSpec spec) {
  FAASDL_CHECK(!spec.argv.empty(), "spawn: empty argv");
  const std::string exe = find_executable(spec.argv[0]);
  struct stat st {};
  if (::stat(exe.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(exe.c_str(), X_OK) != 0) {
    return make_status(Code::kNotFound, "function command '", spec.argv[0], "' is not an executable file");
  }
  // Everything the child touches is prepared here: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv, envp;
  for (auto& a : spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : spec.env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_status(Code::kInternal, "pipe: ", std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return make_status(Code::kInternal, "pipe: ", std::strerror(errno));
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  const rlim_t limit = static_cast<rlim_t>(spec.data_limit_bytes);

  const pid_t pid = Launcher::get().run([&]() -> pid_t {
    const pid_t child = ::fork();
    if (child != 0) return child;
    // ---- child ----
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    mark_fds_cloexec_from(3);
    int err = 0;
    if (cwd != nullptr && ::chdir(cwd) != 0) err = errno;
    if (err == 0 && limit > 0) {
      struct rlimit rl = {limit, limit};
      if (::setrlimit(RLIMIT_DATA, &rl) != 0) err = errno;
    }
    if (err == 0) {
      ::execve(exe.c_str(), argv.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = ::write(err_pipe[1], &err, sizeof(err));
    (void)ignored;
    ::_exit(127);
  });

  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    const int e = errno;
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return make_status(Code::kInternal, "fork: ", std::strerror(e));
  }
  int child_err = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_err, sizeof(child_err));
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);

  std::unique_ptr<ChildProcess> p(new ChildProcess());
  p->pid_ = pid;
  p->out_fd_ = out_pipe[0];
  ::fcntl(p->out_fd_, F_SETFL, ::fcntl(p->out_fd_, F_GETFL) | O_NONBLOCK);
  p->on_output_ = std::move(spec.on_output);
  if (n == static_cast<ssize_t>(sizeof(child_err))) {
    p->kill_group();
    return make_status(Code::kNotFound, "cannot start '", exe, "': ", std::strerror(child_err));
  }
  p->reader_ = std::thread([raw = p.get()] { raw->read_output(); });
  return p;
}

ChildProcess::~ChildProcess() {
  kill_group();
  stop_reader_ = true;
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

void ChildProcess::read_output() {
  while (!stop_reader_) {
    pollfd pfd{out_fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (r == 0) continue;
    std::lock_guard<std::mutex> lock(read_mu_);
    if (!read_available()) break;
  }
}

bool ChildProcess::read_available() {
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(out_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    if (on_output_) on_output_(std::string_view(buf, static_cast<size_t>(n)));
  }
}

void ChildProcess::drain() {
  std::lock_guard<std::mutex> lock(read_mu_);
  read_available();
}

bool ChildProcess::poll_exit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exited_) return true;
  // Peek without reaping, so the group id stays reserved while stragglers are killed.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0) {
    return false;
  }
  kill_and_reap_locked();
  return true;
}

void ChildProcess::kill_group() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exited_ || pid_ <= 0) return;
  kill_and_reap_locked();
}

void ChildProcess::kill_and_reap_locked() {
  ::kill(-pid_, SIGKILL);
  int status = 0;
  struct rusage ru {};
  pid_t r;
  do {
    r = ::wait4(pid_, &status, 0, &ru);
  } while (r < 0 && errno == EINTR);
  exited_ = true;
  wait_status_ = status;
  maxrss_kb_ = ru.ru_maxrss;
}

std::string ChildProcess::exit_description() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!exited_) return "";
  if (WIFEXITED(wait_status_)) return str_cat("exit status ", WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) {
    const int sig = WTERMSIG(wait_status_);
    if (sig == SIGKILL) return "signal: killed";
    if (sig == SIGABRT) return "signal: aborted";
    if (sig == SIGSEGV) return "signal: segmentation fault";
    return str_cat("signal: ", strsignal(sig));
  }
  return "exited";
}

int ChildProcess::max_memory_mb() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (exited_) return static_cast<int>((maxrss_kb_ + 1023) / 1024);
  }
  std::ifstream in(str_cat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      const int64_t kb = std::atoll(line.c_str() + 6);
      return static_cast<int>((kb + 1023) / 1024);
    }
  }
  return 0;
}

}  // namespace faasdl::faas
