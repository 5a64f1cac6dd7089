// executor_test - Unit tests for lib/load/executor.cpp with in-process virtual users (no network):
// counts, tags, drops and stopping are exact; no assertion depends on machine speed.
#include "perfgate/load/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::load {
namespace {

using namespace std::chrono_literals;
using metrics::ErrorKind;

// Users whose operations finish at once (posted), or never until cancelled.
class InstantWorkload : public Workload {
 public:
  explicit InstantWorkload(bool hang = false, bool with_start = false, bool fail_odd = false)
      : hang_(hang), with_start_(with_start), fail_odd_(fail_odd) {}
  OperationTags tags() const override { return {"behaviour", {"even", "odd", "start"}}; }

  std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t) override {
    ++users;
    return std::make_unique<User>(ctx, *this);
  }

  std::atomic<int> users{0};
  std::atomic<int> starts{0};
  std::atomic<int> stops{0};
  std::atomic<int> cancels{0};

 private:
  class User : public VirtualUser {
   public:
    User(WorkerContext& ctx, InstantWorkload& w) : ctx_(ctx), w_(w), timer_(ctx.io) {}
    void start(Completion done) override {
      ++w_.starts;
      if (!w_.with_start_) return done({.counted = false});
      boost::asio::post(ctx_.io, [done] { done({.tag = 2}); });
    }
    void iterate(Completion done) override {
      if (w_.hang_) {
        timer_.expires_after(1h);
        timer_.async_wait([done](boost::system::error_code ec) {
          done({.error = ec ? ErrorKind::kTimeout : ErrorKind::kNone});
        });
        return;
      }
      const auto tag = static_cast<std::uint16_t>(n_++ % 2);
      const ErrorKind error = w_.fail_odd_ && tag == 1 ? ErrorKind::kStatus5xx : ErrorKind::kNone;
      boost::asio::post(ctx_.io, [done, tag, error] { done({.error = error, .tag = tag}); });
    }
    void stop(Completion done) override {
      ++w_.stops;
      done({.counted = false});
    }
    void cancel() override {
      ++w_.cancels;
      timer_.cancel();
    }

   private:
    WorkerContext& ctx_;
    InstantWorkload& w_;
    boost::asio::steady_timer timer_;
    std::uint64_t n_ = 0;
  };

  bool hang_;
  bool with_start_;
  bool fail_odd_;
};

// Users whose operations succeed after a fixed latency (a timer: the thread stays free).
class FixedLatencyWorkload : public Workload {
 public:
  explicit FixedLatencyWorkload(std::chrono::nanoseconds latency) : latency_(latency) {}
  std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t) override {
    struct User : VirtualUser {
      User(WorkerContext& ctx, std::chrono::nanoseconds latency)
          : timer(ctx.io), latency(latency) {}
      void iterate(Completion done) override {
        timer.expires_after(latency);
        timer.async_wait([done](boost::system::error_code ec) {
          done({.error = ec ? ErrorKind::kTimeout : ErrorKind::kNone});
        });
      }
      boost::asio::steady_timer timer;
      std::chrono::nanoseconds latency;
    };
    return std::make_unique<User>(ctx, latency_);
  }

 private:
  std::chrono::nanoseconds latency_;
};

double throughput_of(const metrics::MetricSet& set, const ExecutorOutcome& outcome) {
  return metrics::collect(set, outcome.recorder, outcome.steady_seconds)
      .rates.at("throughput")
      .value();
}

// An open-loop profile: `rate` arrivals a second for `duration` on `threads` workers.
LoadProfile open_loop(double rate, std::chrono::nanoseconds duration, std::uint32_t threads,
                      std::uint32_t max_in_flight) {
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(rate, duration);
  p.threads = threads;
  p.max_in_flight = max_in_flight;
  return p;
}

TEST(ClosedLoopExecutorTest, RunsExactlyTheIterationBudget) {
  InstantWorkload workload;
  LoadProfile p;
  p.kind = ExecutorKind::kClosedLoop;
  p.plan = StagePlan::constant(4, 60s);
  p.iterations = 1000;
  p.threads = 2;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.attempted(), 1000u);
  EXPECT_EQ(outcome.recorder.completed(), 1000u);
  EXPECT_EQ(workload.users.load(), 4);
  // A user launched after the budget ran out never starts; every user that started is stopped.
  EXPECT_GE(workload.starts.load(), 1);
  EXPECT_EQ(workload.stops.load(), workload.starts.load());
  const auto id = [&](const std::string& key) {
    const auto& keys = set.histogram_keys();
    return static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
  };
  const auto& h = outcome.recorder.histograms();
  EXPECT_EQ(h[id("latency")].count(), 1000u);
  EXPECT_EQ(h[id("latency{behaviour:even}")].count() + h[id("latency{behaviour:odd}")].count(),
            1000u);
  EXPECT_FALSE(outcome.interrupted);
}

// A behaviour's failures are counted under its tag (failed{behaviour:odd}), so reports can show
// them beside its latency, not only in the run's total.
TEST(ClosedLoopExecutorTest, FailuresAreCountedPerTag) {
  InstantWorkload workload(/*hang=*/false, /*with_start=*/false, /*fail_odd=*/true);
  LoadProfile p;
  p.plan = StagePlan::constant(1, 60s);
  p.iterations = 100;
  p.threads = 1;
  metrics::MetricSet set;
  const auto result = metrics::collect(set, run(workload, p, set).recorder, 1);
  EXPECT_EQ(result.failed, 50u);
  EXPECT_EQ(result.counters.at("failed{behaviour:odd}"), 50u);
  EXPECT_EQ(result.counters.at("failed{behaviour:even}"), 0u);
  EXPECT_EQ(result.histograms.at("latency{behaviour:even}").count(), 50u);
}

// A worker busy making one user (a slow make_user, here 300 ms) has the next user's post still
// queued when the other worker's users spend the whole budget: the stop waits for every user the
// controller launched, so none is dropped unmade and every started user is stopped.
TEST(ClosedLoopExecutorTest, UsersABusyWorkerHasNotMadeYetAreWaitedFor) {
  class SlowToMake : public InstantWorkload {
   public:
    std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t index) override {
      if (index == 1) std::this_thread::sleep_for(300ms);  // blocks worker 1 on purpose
      return InstantWorkload::make_user(ctx, index);
    }
  } workload;
  LoadProfile p;
  p.plan = StagePlan::constant(4, 60s);  // users 0 and 2 on worker 0, 1 and 3 on worker 1
  p.iterations = 100;
  p.threads = 2;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 100u);
  EXPECT_EQ(workload.users.load(), 4) << "a launched user was dropped unmade";
  EXPECT_EQ(workload.stops.load(), workload.starts.load());
}

TEST(ClosedLoopExecutorTest, StartAndStopEveryUser) {
  InstantWorkload workload(/*hang=*/false, /*with_start=*/true);
  LoadProfile p;
  p.plan = StagePlan::constant(3, 60s);
  p.iterations = 30;
  p.threads = 1;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  // Every user that started was stopped. Starting a user is its set-up, not a measured
  // operation: it shows under its own tag only, outside latency and the operation counts.
  EXPECT_GE(workload.starts.load(), 1);
  EXPECT_EQ(workload.stops.load(), workload.starts.load());
  EXPECT_EQ(outcome.recorder.attempted(), 30u);
  const auto& keys = set.histogram_keys();
  const auto id = [&](const std::string& key) {
    return static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
  };
  EXPECT_EQ(outcome.recorder.histograms()[id("latency")].count(), 30u);
  EXPECT_EQ(outcome.recorder.histograms()[id("latency{behaviour:start}")].count(),
            static_cast<std::uint64_t>(workload.starts.load()));
}

// An open loop lasts its configured duration even when its last arrival comes well before the
// end (2/s for 2 s: arrivals at 0, 0.5, 1 and 1.5 s), and its rate is over that time; prestarted
// users' start and stop stay out of the measured figures.
TEST(OpenLoopExecutorTest, ASlowRateLastsItsDurationAndSetUpIsNotMeasured) {
  InstantWorkload workload(/*hang=*/false, /*with_start=*/true);
  LoadProfile p = open_loop(2, 2s, 2, 8);
  p.prestart = true;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_GE(outcome.duration_s, 2.0);
  EXPECT_EQ(outcome.recorder.attempted(), 4u);
  EXPECT_DOUBLE_EQ(outcome.steady_seconds, 2.0);
  EXPECT_DOUBLE_EQ(throughput_of(set, outcome), 2.0);
  EXPECT_EQ(workload.starts.load(), 8);
}

TEST(ClosedLoopExecutorTest, ShardsSplitUsersAndIterations) {
  std::uint64_t users = 0, iterations = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    InstantWorkload workload;
    LoadProfile p;
    p.plan = StagePlan::constant(7, 60s);
    p.iterations = 100;
    p.threads = 1;
    p.shard = {i, 3};
    metrics::MetricSet set;
    iterations += run(workload, p, set).recorder.attempted();
    users += static_cast<std::uint64_t>(workload.users.load());
  }
  EXPECT_EQ(users, 7u);
  EXPECT_EQ(iterations, 100u);
}

// Users whose start() (a login) never answers on odd slots (or on all, with `all_hang`) until
// cancelled, when it fails as a timeout; even slots start at once. Operations succeed at once.
class StallingStartWorkload : public Workload {
 public:
  explicit StallingStartWorkload(bool all_hang) : all_hang_(all_hang) {}
  std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t index) override {
    struct User : VirtualUser {
      User(WorkerContext& ctx, bool hang) : ctx(ctx), timer(ctx.io), hang(hang) {}
      void start(Completion done) override {
        if (!hang) return boost::asio::post(ctx.io, [done] { done({}); });
        timer.expires_after(1h);
        timer.async_wait(
            [done](boost::system::error_code) { done({.error = ErrorKind::kTimeout}); });
      }
      void iterate(Completion done) override {
        boost::asio::post(ctx.io, [done] { done({}); });
      }
      void cancel() override { timer.cancel(); }
      WorkerContext& ctx;
      boost::asio::steady_timer timer;
      bool hang;
    };
    return std::make_unique<User>(ctx, all_hang_ || index % 2 == 1);
  }

 private:
  bool all_hang_;
};

// Set-up has its own deadline: starts that never answer are cut at setup_timeout and count as
// failed operations; with no slot started, the measured part does not run at all.
TEST(OpenLoopExecutorTest, SetUpEndsAtItsDeadlineAndCountsItsFailures) {
  StallingStartWorkload workload(/*all_hang=*/true);
  LoadProfile p = open_loop(10, 1s, 1, 4);
  p.prestart = true;
  p.setup_timeout = 100ms;
  metrics::MetricSet set;
  std::vector<Progress> shown;
  RunOptions options;
  options.progress_every = 20ms;
  options.on_progress = [&](const Progress& pr) { shown.push_back(pr); };
  const auto outcome = run(workload, p, set, options);
  ASSERT_TRUE(outcome.setup.has_value());
  EXPECT_EQ(outcome.setup->slots, 4u);
  EXPECT_EQ(outcome.setup->started, 0u);
  EXPECT_EQ(outcome.setup->failed, 4u);
  EXPECT_TRUE(outcome.setup->cut);
  // The 4 failed starts, and none of the 10 arrivals: the measured part was skipped.
  EXPECT_EQ(outcome.recorder.attempted(), 4u);
  EXPECT_EQ(outcome.recorder.errors()[static_cast<std::size_t>(ErrorKind::kTimeout)], 4u);
  ASSERT_FALSE(shown.empty());
  EXPECT_TRUE(shown.front().setup.has_value()) << "set-up shows progress";
  EXPECT_EQ(shown.front().setup->slots, 4u);
}

// Some slots start: the run goes on with them, and the ones that could not count as failures.
TEST(OpenLoopExecutorTest, ARunGoesOnWithTheSlotsThatStarted) {
  StallingStartWorkload workload(/*all_hang=*/false);
  LoadProfile p = open_loop(10, 1s, 1, 4);
  p.prestart = true;
  p.setup_timeout = 100ms;
  p.iterations = 5;
  p.graceful_stop = 100ms;  // an arrival that retries a hung start is cut, not failed
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  ASSERT_TRUE(outcome.setup.has_value());
  EXPECT_EQ(outcome.setup->started, 2u);
  EXPECT_EQ(outcome.setup->failed, 2u);
  EXPECT_EQ(outcome.recorder.failed(), 2u);
  EXPECT_GE(outcome.recorder.completed(), 1u);
}

TEST(OpenLoopExecutorTest, RunsTheIterationBudget) {
  InstantWorkload workload;
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(2000, 60s);
  p.iterations = 300;
  p.threads = 2;
  // A slot for every arrival: none can be dropped however slowly this machine (or a sanitizer)
  // runs them, so the count does not depend on speed.
  p.max_in_flight = 300;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.attempted(), 300u);
  EXPECT_EQ(outcome.recorder.completed(), 300u);
}

TEST(OpenLoopExecutorTest, ArrivalsWithoutAFreeSlotAreDroppedAndHungOnesTimeOut) {
  InstantWorkload workload(/*hang=*/true);
  LoadProfile p = open_loop(1000, 60s, 1, 2);
  p.iterations = 50;
  p.graceful_stop = 50ms;
  metrics::MetricSet set;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run(workload, p, set);
  const auto& errors = outcome.recorder.errors();
  EXPECT_EQ(errors[static_cast<std::size_t>(ErrorKind::kDropped)], 48u);
  // The two cancelled at the end were cut by the harness, not failed by the target: counted
  // apart, outside attempted and error_rate, whatever error the driver reports for a cancel.
  EXPECT_EQ(errors[static_cast<std::size_t>(ErrorKind::kTimeout)], 0u);
  EXPECT_EQ(outcome.recorder.interrupted(), 2u);
  EXPECT_EQ(outcome.recorder.attempted(), 48u);
  EXPECT_EQ(workload.cancels.load(), 2);
  // The operations hang for an hour; the run still ends by itself (generous bound: no speed test).
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

// A rate equals what was served: 50 arrivals a second for 1 s, each answered after 200 ms, are
// 50 operations a second. Counted by when they end inside the window, they would read 40/s.
TEST(OpenLoopExecutorTest, ThroughputIsNotBiasedByLatency) {
  FixedLatencyWorkload workload(200ms);
  LoadProfile p = open_loop(50, 1s, 1, 100);
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 50u);
  EXPECT_DOUBLE_EQ(outcome.steady_seconds, 1.0);
  EXPECT_DOUBLE_EQ(throughput_of(set, outcome), 50.0);
}

// With an iteration budget, the window is as long as the budget's arrivals span: 50 arrivals
// at 100/s span 0.5 s (the 51st would be due then), whenever the last one is answered.
TEST(OpenLoopExecutorTest, ThroughputOfAnIterationBudgetIsTheOfferedRate) {
  FixedLatencyWorkload workload(200ms);
  LoadProfile p = open_loop(100, 60s, 2, 100);
  p.iterations = 50;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 50u);
  EXPECT_NEAR(outcome.steady_seconds, 0.5, 1e-9);
  EXPECT_NEAR(throughput_of(set, outcome), 100.0, 1e-6);
}

// A closed loop of 2 users at 100 ms an operation serves 20 a second, ramp-free from the start.
TEST(ClosedLoopExecutorTest, ThroughputOfAnIterationBudgetIsWhatWasServed) {
  FixedLatencyWorkload workload(100ms);
  LoadProfile p;
  p.plan = StagePlan::constant(2, 60s);
  p.iterations = 20;
  p.threads = 1;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 20u);
  // 10 rounds of 100 ms; timers fire late, never early, so the window is at least 1 s.
  EXPECT_GE(outcome.steady_seconds, 1.0);
  EXPECT_LE(throughput_of(set, outcome), 20.0);
  EXPECT_GT(throughput_of(set, outcome), 15.0);  // a window far past the last answer would not
}

// Users whose operations take `slow` for user 0 and no time for the others, counting how many
// users exist and the most operations in flight at once.
class SlowFirstUserWorkload : public Workload {
 public:
  explicit SlowFirstUserWorkload(std::chrono::nanoseconds slow) : slow_(slow) {}
  std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t index) override {
    ++users;
    struct User : VirtualUser {
      User(WorkerContext& ctx, SlowFirstUserWorkload& w, std::chrono::nanoseconds latency)
          : timer(ctx.io), w(w), latency(latency) {}
      void iterate(Completion done) override {
        const int now = ++w.in_flight;
        for (int seen = w.peak.load(); now > seen && !w.peak.compare_exchange_weak(seen, now);) {
        }
        timer.expires_after(latency);
        timer.async_wait([this, done](boost::system::error_code) {
          --w.in_flight;
          done({});
        });
      }
      boost::asio::steady_timer timer;
      SlowFirstUserWorkload& w;
      std::chrono::nanoseconds latency;
    };
    return std::make_unique<User>(ctx, *this, index == 0 ? slow_ : std::chrono::nanoseconds(0));
  }
  std::atomic<int> users{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};

 private:
  std::chrono::nanoseconds slow_;
};

// max_in_flight is one budget for the process, whatever its thread count: 3 on 4 threads is 3
// users (sessions) and 3 operations at once, not one per thread.
TEST(OpenLoopExecutorTest, MaxInFlightIsOneBudgetAcrossThreads) {
  SlowFirstUserWorkload workload(50ms);
  LoadProfile p = open_loop(200, 1s, 4, 3);
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_LE(workload.users.load(), 3);
  EXPECT_LE(workload.peak.load(), 3);
  EXPECT_EQ(outcome.recorder.attempted(), 200u);
}

// No arrival is dropped while a slot is free on another thread: user 0 takes 1 s an operation,
// the other slot none, so for an arrival every 100 ms one slot is always free. (Before, the
// thread owning user 0 dropped most of its own arrivals while the other thread's slot idled.)
// 100 ms between arrivals leaves any hand-over between threads, even under a sanitizer, far
// more time than it takes: the count does not depend on this machine's speed.
TEST(OpenLoopExecutorTest, NoDropWhileASlotIsFreeOnAnotherThread) {
  SlowFirstUserWorkload workload(1s);
  LoadProfile p = open_loop(10, 3s, 2, 2);
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.attempted(), 30u);
  EXPECT_EQ(outcome.recorder.errors()[static_cast<std::size_t>(ErrorKind::kDropped)], 0u);
  EXPECT_EQ(workload.users.load(), 2);
}

// Users whose start always fails (TLS against a plain port, a server that closes at once).
class FailingStartWorkload : public Workload {
 public:
  std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t) override {
    struct User : VirtualUser {
      explicit User(WorkerContext& ctx) : ctx(ctx) {}
      void start(Completion done) override {
        boost::asio::post(ctx.io, [done] { done({.error = ErrorKind::kTls}); });
      }
      void iterate(Completion done) override { done({}); }
      WorkerContext& ctx;
    };
    return std::make_unique<User>(ctx);
  }
};

// An arrival whose session cannot start fails once, with the start's error: 50 arrivals are 50
// attempts, not 100 (the start and the arrival each counted).
TEST(OpenLoopExecutorTest, AnArrivalWhoseStartFailsCountsOnce) {
  FailingStartWorkload workload;
  LoadProfile p = open_loop(1000, 60s, 1, 50);
  p.iterations = 50;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.attempted(), 50u);
  EXPECT_EQ(outcome.recorder.errors()[static_cast<std::size_t>(ErrorKind::kTls)], 50u);
}

// Operations that block their thread: later arrivals start late, and that wait must show.
class BlockingWorkload : public Workload {
 public:
  std::unique_ptr<VirtualUser> make_user(WorkerContext&, std::uint64_t) override {
    struct User : VirtualUser {
      void iterate(Completion done) override {
        std::this_thread::sleep_for(30ms);
        done({});
      }
    };
    return std::make_unique<User>();
  }
};

TEST(OpenLoopExecutorTest, LatencyRunsFromTheIntendedStartNotTheActualOne) {
  BlockingWorkload workload;
  LoadProfile p = open_loop(100, 60s, 1, 100);  // one arrival every 10 ms
  p.iterations = 20;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  const auto& latency = outcome.recorder.histograms()[0];
  ASSERT_EQ(set.histogram_keys()[0], "latency");
  ASSERT_EQ(latency.count(), 20u);
  // Arrival k (intended at 10k ms) cannot begin before k blocked operations of 30 ms ended, so
  // its latency is at least 20k + 30 ms: for k = 19, 410 ms. Timed from the actual start, every
  // operation would show about 30 ms (coordinated omission).
  EXPECT_GE(latency.max(), 410'000'000);
  EXPECT_GE(latency.percentile(50), 200'000'000);
}

// A generator that falls behind (here: operations that hold its only thread for 30 ms, at an
// arrival every 10 ms, with slots to spare) has arrivals due that it never started when the load
// ends. Each one is counted, as perfgate's own fault (loadgen_behind), not the target's
// (`dropped`: every slot busy): none of the offered load may vanish, least of all the slowest.
TEST(OpenLoopExecutorTest, ArrivalsOverdueAtTheEndAreCountedAsTheGeneratorsFault) {
  BlockingWorkload workload;
  LoadProfile p = open_loop(100, 1s, 1, 100);  // 100 arrivals, at 0, 10, ..., 990 ms
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  const auto& errors = outcome.recorder.errors();
  const auto behind = errors[static_cast<std::size_t>(ErrorKind::kLoadgenBehind)];
  EXPECT_EQ(outcome.recorder.attempted(), 100u);
  EXPECT_EQ(outcome.recorder.completed() + behind, 100u);
  EXPECT_GT(behind, 0u);  // at most ~34 of 30 ms fit in the second
  EXPECT_EQ(errors[static_cast<std::size_t>(ErrorKind::kDropped)], 0u);
  EXPECT_EQ(set.error_kind_name(ErrorKind::kLoadgenBehind), "loadgen_behind");
}

TEST(OpenLoopExecutorTest, QueuedArrivalsWaitForASlotInsteadOfDropping) {
  BlockingWorkload workload;                   // each operation holds its thread for 30 ms
  LoadProfile p = open_loop(1000, 60s, 1, 1);  // far more than one slot can serve
  p.iterations = 10;
  p.when_busy = WhenBusy::kQueue;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 10u);
  EXPECT_EQ(outcome.recorder.errors()[static_cast<std::size_t>(ErrorKind::kDropped)], 0u);
  // The last arrival waited for nine 30 ms operations: its latency holds that wait.
  EXPECT_GE(outcome.recorder.histograms()[0].max(), 9 * 30'000'000);
}

// 100 arrivals a second for `duration` at one slot whose operations take 50 ms, queueing when
// it is busy: over 200 ms, 20 arrivals of which about 16 still wait when the load ends.
ExecutorOutcome run_one_queueing_slot(std::chrono::nanoseconds duration,
                                      std::chrono::nanoseconds graceful_stop,
                                      const RunOptions& options = {}) {
  FixedLatencyWorkload workload(50ms);
  LoadProfile p = open_loop(100, duration, 1, 1);
  p.when_busy = WhenBusy::kQueue;
  p.graceful_stop = graceful_stop;
  metrics::MetricSet set;
  return run(workload, p, set, options);
}

// Arrivals queued when the load ends (a target stalling at the end of the run) were offered
// inside it: they are served through graceful_stop and measured (the slowest of the run), not
// dropped the moment the load ends.
TEST(OpenLoopExecutorTest, ArrivalsQueuedAtTheEndAreServedInTheGracefulStop) {
  const auto outcome = run_one_queueing_slot(200ms, 10s);
  EXPECT_EQ(outcome.recorder.completed(), 20u);
  EXPECT_EQ(outcome.recorder.failed(), 0u);
  EXPECT_EQ(outcome.recorder.interrupted(), 0u);
  // The last arrival (intended at 190 ms) started after 19 operations of 50 ms.
  EXPECT_GE(outcome.recorder.histograms()[0].max(), 20 * 50'000'000 - 190'000'000);
}

// What still waits when graceful_stop runs out never started: `dropped`, the target's (it held
// every slot for all that time); the operation in flight is cut by the harness (interrupted).
TEST(OpenLoopExecutorTest, ArrivalsStillQueuedAfterTheGracefulStopAreDropped) {
  const auto outcome = run_one_queueing_slot(200ms, 120ms);
  const auto& errors = outcome.recorder.errors();
  const auto dropped = errors[static_cast<std::size_t>(ErrorKind::kDropped)];
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(outcome.recorder.failed(), dropped);
  EXPECT_EQ(outcome.recorder.completed() + dropped + outcome.recorder.interrupted(), 20u);
}

// A signal's stop starts none of the queued arrivals: the harness cut them (interrupted).
TEST(OpenLoopExecutorTest, ArrivalsQueuedWhenASignalStopsTheRunAreInterrupted) {
  std::atomic<bool> stop{false};
  std::thread signal([&stop] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  RunOptions options;
  options.stop_requested = &stop;
  const auto outcome = run_one_queueing_slot(1h, 10s, options);
  signal.join();
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.recorder.failed(), 0u);
  EXPECT_GT(outcome.recorder.interrupted(), 0u);
}

TEST(OpenLoopExecutorTest, TimerSlackStartsArrivalsLateAndShowsIt) {
  InstantWorkload workload;
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(100, 60s);
  p.iterations = 20;
  p.threads = 1;
  p.timer_slack = 30ms;  // one wake-up per ~4 arrivals, the first of them 30 ms late
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  const auto result = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
  EXPECT_EQ(result.completed, 20u);
  EXPECT_GE(result.histograms.at("schedule_lag").max(), 30'000'000);
  // Timed from the intended start, the lateness is in latency too, not hidden.
  EXPECT_GE(result.histograms.at("latency").max(), 30'000'000);
}

TEST(ExecutorTest, StopsWhenAskedAndSaysItWasInterrupted) {
  InstantWorkload workload(/*hang=*/true);
  LoadProfile p;
  p.plan = StagePlan::constant(5, 1h);
  p.threads = 2;
  std::atomic<bool> stop{true};
  metrics::MetricSet set;
  RunOptions options;
  options.stop_requested = &stop;
  const auto outcome = run(workload, p, set, options);
  EXPECT_TRUE(outcome.interrupted);
}

TEST(ExecutorTest, ReportsProgressWhileRunning) {
  InstantWorkload workload;
  LoadProfile p;
  p.plan = StagePlan::constant(2, 2500ms);
  p.threads = 2;
  metrics::MetricSet set;
  std::vector<Progress> seen;
  RunOptions options;
  options.progress_every = 100ms;
  options.on_progress = [&seen](const Progress& progress) { seen.push_back(progress); };
  const auto outcome = run(workload, p, set, options);
  ASSERT_GE(seen.size(), 10u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].elapsed, seen[i - 1].elapsed);
    EXPECT_GE(seen[i].completed, seen[i - 1].completed);
  }
  EXPECT_EQ(seen.back().total, 2500ms);
  // The figures are the workers' own, handed over with a lag: never more than the final counts,
  // and by the end they include whole seconds of latency.
  EXPECT_GT(seen.back().completed, 0u);
  EXPECT_LE(seen.back().completed, outcome.recorder.completed());
  EXPECT_EQ(seen.back().failed, 0u);
  EXPECT_TRUE(seen.back().p95_ns.has_value());
  EXPECT_EQ(seen.back().sessions, 2u);
}

}  // namespace
}  // namespace perfgate::load
