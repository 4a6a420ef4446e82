// The platform's background work: the Event (asynchronous invocation) queue with Lambda's retry
// rules, and the reaper that stops warm sandboxes after their idle time.
#include <algorithm>

#include "core/log.h"
#include "faas/platform_impl.h"

namespace faasdl::faas {

void LocalPlatform::Impl::async_worker() {
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    if (queue.empty()) {
      wake.wait(lock);
      continue;
    }
    const int64_t due = queue.begin()->first;
    if (due > steady_ms()) {
      wake.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(due - steady_ms(), 1000)));
      continue;
    }
    Event ev = std::move(queue.begin()->second);
    queue.erase(queue.begin());
    ++async_running;
    lock.unlock();
    PlatformResponse r = execute(ev.function, ev.payload, ev.request_id, ev.client_context, false);
    lock.lock();
    --async_running;
    const int64_t now = steady_ms();
    std::optional<AsyncOutcome> done;
    if (r.status == 429 || r.status == 404 || r.status >= 500) {
      // Throttled (or gone): retried with backoff until the event is too old.
      if (r.status == 429 && now - ev.enqueued_ms < opt.async_max_event_age_ms && !stopping) {
        const int64_t pause = std::min<int64_t>(int64_t{100} << std::min(ev.throttles, 9), 60000);
        ++ev.throttles;
        queue.emplace(now + pause, std::move(ev));
      } else {
        done = AsyncOutcome{ev.request_id, ev.function, "EventAgeExceeded", ev.attempts, r.body, r.error_type, unix_ms()};
      }
    } else {
      ++ev.attempts;
      int max_retries = 0;
      if (auto it = functions.find(ev.function); it != functions.end()) max_retries = it->second.config.max_retry_attempts;
      if (r.function_error.empty()) {
        done = AsyncOutcome{ev.request_id, ev.function, "Success", ev.attempts, r.body, "", unix_ms()};
      } else if (ev.attempts <= max_retries && !stopping) {
        const auto& delays = opt.async_retry_delays_ms;
        const int64_t pause = delays.empty() ? 0 : delays[std::min<size_t>(ev.attempts - 1, delays.size() - 1)];
        log_info("Event ", ev.request_id, " to ", ev.function, " failed (attempt ", ev.attempts, "); retrying in ",
                 pause, " ms");
        queue.emplace(now + pause, std::move(ev));
      } else {
        std::string type;
        if (auto j = Json::parse(r.body, nullptr, false); j.is_object()) type = j.value("errorType", "");
        done = AsyncOutcome{ev.request_id, ev.function, "RetriesExhausted", ev.attempts, r.body, type, unix_ms()};
      }
    }
    if (done) outcomes.push_back(std::move(*done));
    wake.notify_all();
    async_cv.notify_all();
  }
}

void LocalPlatform::Impl::reaper() {
  std::unique_lock<std::mutex> lock(mu);
  const int64_t period = std::clamp<int64_t>(opt.idle_timeout_ms / 4, 10, 1000);
  while (!stopping) {
    wake.wait_for(lock, std::chrono::milliseconds(period));
    std::vector<std::unique_ptr<Sandbox>> expired;
    const int64_t now = steady_ms();
    for (auto& [name, f] : functions) {
      auto& idle = f.idle;
      for (auto it = idle.begin(); it != idle.end();) {
        if (now - (*it)->idle_since_ms >= opt.idle_timeout_ms || !(*it)->reusable()) {
          expired.push_back(std::move(*it));
          it = idle.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (expired.empty()) continue;
    lock.unlock();
    destroy(std::move(expired));
    lock.lock();
  }
}

}  // namespace faasdl::faas
