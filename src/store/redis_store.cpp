// redis://[user:pass@]host[:port][/db[/prefix]] — hiredis, synchronous, a small connection pool.
//
// Each command runs with socket timeouts equal to the time left before the call's deadline. A
// connection that failed is closed, never reused; the next try connects again. Idle pooled
// connections that the server closed meanwhile are detected on use and replaced once.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>
#include <sys/time.h>

#include "core/strings.h"
#include "net/http.h"
#include "store/detail/backends.h"

namespace faasdl::store_detail {
namespace {

struct RedisAddress {
  std::string user;
  std::string password;
  std::string host;
  int port = 6379;
  int db = 0;
  std::string prefix;  // "" or ending in '/'
};

RedisAddress parse_redis(const std::string& rest) {
  // For messages: the URI without its user info, which may hold a password.
  const size_t at_sign = rest.substr(0, rest.find('/')).rfind('@');
  const std::string uri = "redis://" + (at_sign == std::string::npos ? rest : "***@" + rest.substr(at_sign + 1));
  RedisAddress a;
  FAASDL_CHECK(rest.find('?') == std::string::npos && rest.find('#') == std::string::npos,
               "store URI '", uri, "': query parameters are not supported");
  std::string_view r = rest;
  const size_t slash = r.find('/');
  std::string_view authority = r.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : r.substr(slash + 1);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      a.password = net::uri_decode(userinfo);  // redis://secret@host is a password, as redis-cli reads it
    } else {
      a.user = net::uri_decode(userinfo.substr(0, colon));
      a.password = net::uri_decode(userinfo.substr(colon + 1));
    }
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    FAASDL_CHECK(close != std::string_view::npos, "store URI '", uri, "': unterminated IPv6 address");
    a.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    const size_t colon = authority.rfind(':');
    a.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  FAASDL_CHECK(!a.host.empty(), "store URI '", uri, "': no host (expected redis://host:port/db)");
  if (!port_text.empty()) {
    a.port = static_cast<int>(parse_int(port_text, "redis port in store URI '" + uri + "'"));
    FAASDL_CHECK(a.port > 0 && a.port < 65536, "store URI '", uri, "': port out of range");
  }
  if (!path.empty()) {
    const size_t s2 = path.find('/');
    const std::string_view db = path.substr(0, s2);
    if (!db.empty()) {
      a.db = static_cast<int>(parse_int(db, "redis db number in store URI '" + uri + "'"));
      FAASDL_CHECK(a.db >= 0, "store URI '", uri, "': negative db");
    }
    if (s2 != std::string_view::npos) {
      a.prefix = std::string(path.substr(s2 + 1));
      if (!a.prefix.empty()) {
        if (a.prefix.back() != '/') a.prefix += '/';
        const Status v = validate_prefix(a.prefix);
        FAASDL_CHECK(v.ok(), "store URI '", uri, "': ", v.message());
      }
    }
  }
  return a;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

timeval timeval_of(Deadline deadline) {
  const int64_t ms = std::max<int64_t>(1, deadline.remaining_ms());  // 0 would mean "no timeout"
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

// Escapes glob characters so SCAN MATCH treats the prefix literally.
std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Status reply_error(const redisReply& r, const std::string& what) {
  const std::string msg(r.str, r.len);
  Code code = Code::kInternal;
  if (starts_with(msg, "NOAUTH") || starts_with(msg, "WRONGPASS") || starts_with(msg, "NOPERM") ||
      msg.find("invalid password") != std::string::npos) {
    code = Code::kPermissionDenied;
  } else if (starts_with(msg, "LOADING") || starts_with(msg, "BUSY") || starts_with(msg, "MASTERDOWN") ||
             starts_with(msg, "TRYAGAIN") || starts_with(msg, "CLUSTERDOWN")) {
    code = Code::kUnavailable;
  } else if (starts_with(msg, "OOM")) {
    code = Code::kResourceExhausted;
  } else if (starts_with(msg, "ERR invalid DB index") || starts_with(msg, "ERR DB index")) {
    code = Code::kInvalidArgument;
  }
  return make_status(code, what, ": ", msg);
}

class RedisStore final : public Store {
 public:
  RedisStore(RedisAddress address, const StoreOptions& options)
      : a_(std::move(address)), max_idle_(std::max(0, options.redis_max_idle_connections)) {}

  ~RedisStore() override = default;

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string k = a_.prefix + key;
    auto r = command({"SET", k, bytes}, deadline, what("SET", key));
    return r.status();
  }

  Result<std::string> get(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string k = a_.prefix + key;
    auto r = command({"GET", k}, deadline, what("GET", key));
    if (!r.ok()) return r.status();
    if ((*r)->type == REDIS_REPLY_NIL) return make_status(Code::kNotFound, uri(), ": no key '", key, "'");
    if ((*r)->type != REDIS_REPLY_STRING) return make_status(Code::kInternal, what("GET", key), ": unexpected reply type");
    return std::string((*r)->str, (*r)->len);
  }

  Result<bool> exists(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string k = a_.prefix + key;
    auto r = command({"EXISTS", k}, deadline, what("EXISTS", key));
    if (!r.ok()) return r.status();
    return (*r)->type == REDIS_REPLY_INTEGER && (*r)->integer > 0;
  }

  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    if (Status v = validate_prefix(prefix); !v.ok()) return v;
    const std::string pattern = glob_escape(a_.prefix + prefix) + "*";
    std::set<std::string> keys;  // SCAN may return a key more than once
    std::string cursor = "0";
    do {
      auto r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, deadline, what("SCAN", prefix));
      if (!r.ok()) return r.status();
      const redisReply& rep = **r;
      if (rep.type != REDIS_REPLY_ARRAY || rep.elements != 2 || rep.element[0]->type != REDIS_REPLY_STRING ||
          rep.element[1]->type != REDIS_REPLY_ARRAY) {
        return make_status(Code::kInternal, what("SCAN", prefix), ": unexpected reply shape");
      }
      cursor.assign(rep.element[0]->str, rep.element[0]->len);
      const redisReply& batch = *rep.element[1];
      for (size_t i = 0; i < batch.elements; ++i) {
        std::string k(batch.element[i]->str, batch.element[i]->len);
        keys.insert(k.substr(a_.prefix.size()));
      }
    } while (cursor != "0");
    return std::vector<std::string>(keys.begin(), keys.end());
  }

  Status remove(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string k = a_.prefix + key;
    return command({"DEL", k}, deadline, what("DEL", key)).status();
  }

  std::string uri() const override {
    return str_cat("redis://", a_.host.find(':') != std::string::npos ? "[" + a_.host + "]" : a_.host, ":",
                   a_.port, "/", a_.db, a_.prefix.empty() ? "" : "/", a_.prefix);
  }
  StoreStats stats() const override { return {}; }

 private:
  std::string what(const char* op, const std::string& key) const { return str_cat(uri(), ": ", op, " ", key); }

  // A Status for a context in error. Timeouts surface as EAGAIN / ETIMEDOUT I/O errors.
  Status io_status(const redisContext& c, Deadline deadline, const std::string& what) const {
    const std::string err = c.errstr;
    const bool timed_out = err.find("timed out") != std::string::npos ||
                           err.find("temporarily unavailable") != std::string::npos ||
                           deadline.remaining_ms() <= 5;
    if (timed_out) return make_status(Code::kDeadlineExceeded, what, ": deadline exceeded (", err, ")");
    if (c.err == REDIS_ERR_EOF) return make_status(Code::kUnavailable, what, ": server closed the connection");
    if (c.err == REDIS_ERR_OOM) return make_status(Code::kResourceExhausted, what, ": out of memory");
    if (c.err == REDIS_ERR_PROTOCOL) return make_status(Code::kDataLoss, what, ": protocol error: ", err);
    return make_status(Code::kUnavailable, what, ": ", err);
  }

  // Sends one command on `c`; on failure the context is unusable.
  Result<Reply> send(redisContext* c, const std::vector<std::string_view>& args, Deadline deadline,
                     const std::string& what) const {
    if (deadline.expired()) return make_status(Code::kDeadlineExceeded, what, ": deadline passed");
    if (redisSetTimeout(c, timeval_of(deadline)) != REDIS_OK) return io_status(*c, deadline, what);
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (std::string_view a : args) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    auto* raw = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), argvlen.data()));
    if (raw == nullptr) return io_status(*c, deadline, what);
    return Reply(raw);
  }

  Result<Context> connect(Deadline deadline) const {
    const std::string what_connect = str_cat(uri(), ": connect");
    if (deadline.expired()) return make_status(Code::kDeadlineExceeded, what_connect, ": deadline passed");
    Context c(redisConnectWithTimeout(a_.host.c_str(), a_.port, timeval_of(deadline)));
    if (!c) return make_status(Code::kResourceExhausted, what_connect, ": cannot allocate a context");
    if (c->err != 0) return io_status(*c, deadline, what_connect);
    if (!a_.password.empty()) {
      std::vector<std::string_view> args{"AUTH"};
      if (!a_.user.empty()) args.push_back(a_.user);
      args.push_back(a_.password);
      auto r = send(c.get(), args, deadline, str_cat(uri(), ": AUTH"));
      if (!r.ok()) return r.status();
      if ((*r)->type == REDIS_REPLY_ERROR) return reply_error(**r, str_cat(uri(), ": AUTH"));
    }
    if (a_.db != 0) {
      const std::string db = std::to_string(a_.db);
      auto r = send(c.get(), {"SELECT", db}, deadline, str_cat(uri(), ": SELECT"));
      if (!r.ok()) return r.status();
      if ((*r)->type == REDIS_REPLY_ERROR) return reply_error(**r, str_cat(uri(), ": SELECT ", a_.db));
    }
    return c;
  }

  // Runs a command on a pooled or new connection. Commands here are idempotent, so a reused
  // connection that turns out dead is replaced once within the same call.
  Result<Reply> command(const std::vector<std::string_view>& args, Deadline deadline, const std::string& what) {
    for (int attempt = 0;; ++attempt) {
      Context c;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!idle_.empty()) {
          c = std::move(idle_.back());
          idle_.pop_back();
        }
      }
      const bool reused = c != nullptr;
      if (!c) {
        auto fresh = connect(deadline);
        if (!fresh.ok()) return fresh.status();
        c = std::move(*fresh);
      }
      auto r = send(c.get(), args, deadline, what);
      if (!r.ok()) {
        // The connection is broken; so, probably, are its idle siblings (server restart).
        std::lock_guard<std::mutex> lock(mu_);
        idle_.clear();
        if (reused && attempt == 0 && r.status().code() == Code::kUnavailable) continue;
        return r.status();
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (static_cast<int>(idle_.size()) < max_idle_) idle_.push_back(std::move(c));
      }
      if ((*r)->type == REDIS_REPLY_ERROR) return reply_error(**r, what);
      return r;
    }
  }

  const RedisAddress a_;
  const int max_idle_;
  std::mutex mu_;
  std::vector<Context> idle_;
};

}  // namespace

std::unique_ptr<Store> open_redis_store(const std::string& rest, bool tls, const StoreOptions& options) {
  FAASDL_CHECK(!tls, "redis store (rediss:// or StoreOptions.redis_tls): TLS to Redis is not available: this build's hiredis (0.14, Debian) has no SSL support. "
               "Use redis:// on a trusted network or a TLS tunnel (e.g. stunnel) to the server");
  return std::make_unique<RedisStore>(parse_redis(rest), options);
}

}  // namespace faasdl::store_detail
