// ab_test - run::run_ab_scenario on in-process workloads: rounds alternate in ABBA order, each
// side's rounds merge into one run, the candidate's result carries the baseline side and the
// change between them, and what cannot run A/B is refused.
#include "perfgate/run/ab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/core/error.hpp"

namespace perfgate::run {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Users whose every operation takes `delay` (a timer: no CPU spent).
class DelayWorkload : public load::Workload {
 public:
  explicit DelayWorkload(std::chrono::milliseconds delay) : delay_(delay) {}
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx, std::uint64_t) override {
    return std::make_unique<User>(ctx, delay_);
  }

 private:
  class User : public load::VirtualUser {
   public:
    User(load::WorkerContext& ctx, std::chrono::milliseconds delay)
        : timer_(ctx.io), delay_(delay) {}
    void iterate(load::Completion done) override {
      timer_.expires_after(delay_);
      timer_.async_wait([done = std::move(done)](const boost::system::error_code&) { done({}); });
    }

   private:
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds delay_;
  };
  std::chrono::milliseconds delay_;
};

config::ThresholdTable table(const std::string& load) {
  return config::parse_table(R"j({"suite": "unit", "profiles": {"ci": {"ab_rounds": 4}},
      "scenarios": {"delay": {"load": {"ci": )j" +
                                 load + R"j(},
      "thresholds": {"latency": {"p(95)": {"acceptable": "1s"}}}}}})j",
                             "unit.json", "ci");
}

const std::string kClosedLoop =
    R"j({"executor": "closed_loop", "users": 4, "duration": "800ms", "threads": 1})j";

TEST(AbOrderTest, AlternatesPairsSoThatDriftFallsOnBothSides) {
  EXPECT_EQ(order_text(ab_order(8)), "ABBAABBA");
  EXPECT_EQ(order_text(ab_order(2)), "AB");
  EXPECT_EQ(order_text(ab_order(6)), "ABBAAB");
}

TEST(AbOrderTest, DefaultRoundsAreAsManyPairsOfWholeSecondsAsAllowed) {
  EXPECT_EQ(default_ab_rounds(20s), 40u);  // 20 a side, 1 s each
  EXPECT_EQ(default_ab_rounds(16s), 32u);
  EXPECT_EQ(default_ab_rounds(30s), 60u);
  EXPECT_EQ(default_ab_rounds(8s), 16u);
  EXPECT_EQ(default_ab_rounds(60s), 60u);    // 30 of 2 s
  EXPECT_EQ(default_ab_rounds(44s), 44u);    // 22 of 2 s: whole seconds, enough pairs
  EXPECT_EQ(default_ab_rounds(45s), 60u);    // no whole-second split of 20+: 30 of 1.5 s
  EXPECT_EQ(default_ab_rounds(5min), 60u);   // 30 of 10 s
  EXPECT_EQ(default_ab_rounds(2500ms), 4u);  // too short for 8 pairs: 2 of 1.25 s
  EXPECT_EQ(default_ab_rounds(5s), 10u);
  EXPECT_EQ(default_ab_rounds(500ms), 2u);
  EXPECT_EQ(default_ab_rounds(0s), 40u);  // planned by iterations
}

TEST(AbRunTest, EachSideRunsHalfTheRoundsAndACandidateTwiceAsSlowRegresses) {
  const config::ThresholdTable t = table(kClosedLoop);
  std::vector<Side> built;
  AbSides sides;
  sides.make = [&built](Side side) {
    built.push_back(side);
    return std::make_unique<DelayWorkload>(side == Side::kBaseline ? 2ms : 6ms);
  };
  sides.baseline_target = "http://baseline";
  ScenarioRun how;
  how.scenario = &t.scenario("delay");
  const ScenarioOutcome out = run_ab_scenario(sides, how);
  const metrics::RunResult& r = out.result;

  // One workload for the check before any load, one per warm-up round (B, then A), then one per
  // round, in ABBA order.
  EXPECT_EQ(built,
            (std::vector<Side>{Side::kCandidate, Side::kCandidate, Side::kBaseline, Side::kBaseline,
                               Side::kCandidate, Side::kCandidate, Side::kBaseline}));
  ASSERT_TRUE(r.ab.has_value());
  EXPECT_EQ(r.ab->order, "ABBA");
  EXPECT_DOUBLE_EQ(r.ab->round_s, 0.4);  // 800 ms in all per side: two rounds of 400 ms
  EXPECT_EQ(r.ab->baseline_target, "http://baseline");
  ASSERT_NE(r.ab->baseline, nullptr);
  const metrics::RunResult& a = *r.ab->baseline;
  EXPECT_FALSE(a.judged);
  EXPECT_TRUE(a.thresholds.empty());
  EXPECT_NEAR(a.duration_s, 0.8, 0.1);
  EXPECT_NEAR(r.duration_s, 0.8, 0.1);
  EXPECT_EQ(r.context["rounds"], 2);
  EXPECT_EQ(r.round_starts.size(), 2u);  // what the comparison pairs
  EXPECT_EQ(a.round_starts.size(), 2u);
  // 4 users, 2 ms a turn (timers may be late, never early): about 1,600 operations in 800 ms.
  EXPECT_GT(a.attempted, r.attempted);
  EXPECT_GE(a.histograms.at("latency").percentile(50), 2'000'000);
  EXPECT_GE(r.histograms.at("latency").percentile(50), 6'000'000);

  // The absolute rule holds; the change from the baseline side fails the run.
  EXPECT_FALSE(r.passed);
  const auto regressed = std::find_if(r.thresholds.begin(), r.thresholds.end(), [](const auto& o) {
    return o.tier == "baseline" && o.metric == "latency" && o.statistic == "p(95)";
  });
  ASSERT_NE(regressed, r.thresholds.end());
  EXPECT_FALSE(regressed->passed);
  EXPECT_THAT(regressed->note, HasSubstr("regressed"));
  EXPECT_EQ(r.context["baseline"]["file"], "A/B: http://baseline");
}

TEST(AbRunTest, ShardsAndCapacitySearchesDoNotRunAB) {
  AbSides sides;
  sides.make = [](Side) { return std::make_unique<DelayWorkload>(1ms); };
  const config::ThresholdTable t = table(kClosedLoop);
  ScenarioRun how;
  how.scenario = &t.scenario("delay");
  how.load = t.scenario("delay").load;
  how.load->shard = {0, 2};
  try {
    run_ab_scenario(sides, how);
    ADD_FAILURE() << "a shard ran A/B";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--shard"));
  }
  const config::ThresholdTable search = table(
      R"j({"executor": "capacity", "start_rate": "10/s", "max_rate": "100/s",
           "step_duration": "1s"})j");
  how.scenario = &search.scenario("delay");
  how.load.reset();
  EXPECT_THROW(run_ab_scenario(sides, how), core::Error);
}

}  // namespace
}  // namespace perfgate::run
