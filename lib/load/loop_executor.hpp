// loop_executor.hpp - What differs between closed and open loop, behind one interface
// (internal to the load module).
//
// run() (executor.cpp) is what every executor shares: threads, the controller loop (control()),
// the stop (stop()) and the outcome. An Executor owns the workers and decides when operations
// start. Every call here is on the controller thread; workers are reached only by posting.
//
// To add an executor (say, a constant-concurrency arrival executor): a Worker subclass that
// starts operations, an Executor subclass that makes those workers and ticks them, a factory
// below, and a case in run().
#pragma once

#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "worker.hpp"

namespace perfgate::load::detail {

class Executor {
 public:
  Executor(RunState& run, const RunOptions& options) : run_(run), options_(options) {}
  virtual ~Executor() = default;

  // Before the worker threads start: share out what the workers own.
  virtual void prepare() {}
  // Before the clock starts (open loop with prestart: every slot opens its session). Returns the
  // set-up's outcome when there was one; sets run.ending when nothing could start.
  virtual std::optional<SetUpOutcome> set_up(metrics::Recorder& /*controller*/) {
    return std::nullopt;
  }
  // The clock has started at run.origin; `measure` is false when set-up started nothing.
  virtual void begin(bool /*measure*/) {}
  // One controller tick, `t` into the plan.
  virtual void tick(core::Nanos /*t*/) {}
  // Whether the load has ended before the plan did.
  virtual bool exhausted() const { return false; }
  // The controller ended the load `at` into the run, before the stop reaches the workers.
  virtual void load_ended(core::Nanos /*at*/) {}
  // Where the load window ends when the iteration budget may have ended the load (see
  // ExecutorOutcome::steady_seconds); `end_of_load` otherwise.
  virtual TimePoint window_end(TimePoint end_of_load) const = 0;

  const std::vector<std::unique_ptr<Worker>>& workers() const { return workers_; }

  // Runs f(worker) on every worker's thread.
  template <class F>
  void post_all(F f) {
    for (auto& w : workers_) {
      Worker* wp = w.get();
      boost::asio::post(wp->io, [wp, f] { f(*wp); });
    }
  }

 protected:
  // Takes ownership of a worker the subclass made, and hands it back typed.
  template <class W>
  W* adopt(std::unique_ptr<W> worker) {
    W* raw = worker.get();
    workers_.push_back(std::move(worker));
    return raw;
  }

  RunState& run_;
  const RunOptions& options_;

 private:
  std::vector<std::unique_ptr<Worker>> workers_;
};

// N users, each starting its next operation when the previous one ended (closed_loop.cpp).
std::unique_ptr<Executor> make_closed_loop_executor(RunState& run, const metrics::MetricSet& set,
                                                    const RunOptions& options);
// Arrivals at the plan's rate, each taken by a free slot of a shared pool (open_loop.cpp).
std::unique_ptr<Executor> make_open_loop_executor(RunState& run, const metrics::MetricSet& set,
                                                  const RunOptions& options);

// Set-up and the stop wait this long for cancelled operations to report back.
constexpr auto kCancelGrace = std::chrono::seconds(5);

}  // namespace perfgate::load::detail
