// executor_test - Unit tests for lib/load/executor.cpp with in-process virtual users (no network):
// counts, tags, drops and stopping are exact; no assertion depends on machine speed.
#include "perfgate/load/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

namespace perfgate::load {
namespace {

using namespace std::chrono_literals;
using metrics::ErrorKind;

// Users whose operations finish at once (posted), or never until cancelled.
class InstantWorkload : public Workload {
 public:
  explicit InstantWorkload(bool hang = false, bool with_start = false)
      : hang_(hang), with_start_(with_start) {}
  std::string tag_key() const override { return "behaviour"; }
  std::vector<std::string> tag_values() const override { return {"even", "odd", "start"}; }

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
      boost::asio::post(ctx_.io, [done, tag] { done({.tag = tag}); });
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
};

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

TEST(ClosedLoopExecutorTest, StartAndStopEveryUser) {
  InstantWorkload workload(/*hang=*/false, /*with_start=*/true);
  LoadProfile p;
  p.plan = StagePlan::constant(3, 60s);
  p.iterations = 30;
  p.threads = 1;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  // Every user that started was stopped; starts are counted as operations next to iterations.
  EXPECT_GE(workload.starts.load(), 1);
  EXPECT_EQ(workload.stops.load(), workload.starts.load());
  EXPECT_EQ(outcome.recorder.attempted(), 30u + static_cast<std::uint64_t>(workload.starts.load()));
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
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(1000, 60s);
  p.iterations = 50;
  p.threads = 1;
  p.max_in_flight = 2;
  p.graceful_stop = 50ms;
  metrics::MetricSet set;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run(workload, p, set);
  const auto& errors = outcome.recorder.errors();
  EXPECT_EQ(errors[static_cast<std::size_t>(ErrorKind::kDropped)], 48u);
  EXPECT_EQ(errors[static_cast<std::size_t>(ErrorKind::kTimeout)], 2u);  // cancelled at the end
  EXPECT_EQ(outcome.recorder.attempted(), 50u);
  EXPECT_EQ(workload.cancels.load(), 2);
  // The operations hang for an hour; the run still ends by itself (generous bound: no speed test).
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
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
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(100, 60s);  // one arrival every 10 ms
  p.iterations = 20;
  p.threads = 1;
  p.max_in_flight = 100;
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

TEST(OpenLoopExecutorTest, QueuedArrivalsWaitForASlotInsteadOfDropping) {
  BlockingWorkload workload;  // each operation holds its thread for 30 ms
  LoadProfile p;
  p.kind = ExecutorKind::kOpenLoop;
  p.plan = StagePlan::constant(1000, 60s);  // far more than one slot can serve
  p.iterations = 10;
  p.threads = 1;
  p.max_in_flight = 1;
  p.when_busy = WhenBusy::kQueue;
  metrics::MetricSet set;
  const auto outcome = run(workload, p, set);
  EXPECT_EQ(outcome.recorder.completed(), 10u);
  EXPECT_EQ(outcome.recorder.errors()[static_cast<std::size_t>(ErrorKind::kDropped)], 0u);
  // The last arrival waited for nine 30 ms operations: its latency holds that wait.
  EXPECT_GE(outcome.recorder.histograms()[0].max(), 9 * 30'000'000);
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
