// A worker thread that runs debounced jobs, at most one pending job per key: scheduling a
// key again replaces its pending job (typing coalesces into one lint of the latest text).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace pglens::lsp {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using Job = std::function<void()>;

  Scheduler();
  ~Scheduler();  // stop()
  // Runs no further job (later ones are dropped); waits for the one running.
  void stop();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void schedule(const std::string& key, Clock::time_point due, Job job);
  void cancel(const std::string& key);
  // Makes the key's pending job, if any, due now (someone waits for its result).
  void expedite(const std::string& key);
  // Blocks until no job is pending or running.
  void wait_idle();
  // Blocks until no job is running or due (jobs due later, as retries, are not waited for).
  void wait_nothing_due();

 private:
  void work();

  struct Pending {
    Clock::time_point due;
    Job job;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Pending> pending_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace pglens::lsp
