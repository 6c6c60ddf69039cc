#include "lsp/scheduler.hpp"

#include <algorithm>

namespace pglens::lsp {

Scheduler::Scheduler() : worker_([this] { work(); }) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    pending_.clear();
  }
  changed_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

void Scheduler::schedule(const std::string& key, Clock::time_point due, Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    pending_[key] = Pending{due, std::move(job)};
  }
  changed_.notify_all();
}

void Scheduler::cancel(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    pending_.erase(key);
  }
  changed_.notify_all();
}

void Scheduler::expedite(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(key);
    if (it == pending_.end() || it->second.due <= Clock::now()) return;
    it->second.due = Clock::now();
  }
  changed_.notify_all();
}

void Scheduler::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return (pending_.empty() && !running_) || stopping_; });
}

void Scheduler::wait_nothing_due() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] {
    if (stopping_) return true;
    if (running_) return false;
    auto now = Clock::now();
    return std::none_of(pending_.begin(), pending_.end(), [&](const auto& p) { return p.second.due <= now; });
  });
}

void Scheduler::work() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      changed_.wait(lock);
      continue;
    }
    auto next = pending_.begin();
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (it->second.due < next->second.due) next = it;
    if (Clock::time_point due = next->second.due; due > Clock::now()) {
      changed_.wait_until(lock, due);  // a copy: the entry may be replaced or cancelled meanwhile
      continue;
    }
    Job job = std::move(next->second.job);
    pending_.erase(next);
    running_ = true;
    lock.unlock();
    try {
      job();
    } catch (...) {
      // A job reports its own failures; this only keeps the worker alive.
    }
    job = nullptr;  // release what the job captured before reporting idle
    lock.lock();
    running_ = false;
    changed_.notify_all();
  }
}

}  // namespace pglens::lsp
