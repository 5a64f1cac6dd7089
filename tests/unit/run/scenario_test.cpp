// scenario_test - run::run_scenario on an in-process workload: what the workload's annotate step
// adds survives into the judged result, shares are derived again after it, and a rule that can
// match nothing refuses the scenario before any load.
#include "perfgate/run/scenario.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "perfgate/config/thresholds.hpp"

namespace perfgate::run {
namespace {

// Users whose operations succeed at once; each counts one auth probe, every other one rejected.
class ProbingWorkload : public load::Workload {
 public:
  void declare(metrics::MetricSet& set) override {
    probes_ = set.counter("auth_probes");
    rejected_ = set.counter("auth_rejected");
    set.share("auth_rejection_rate", rejected_, probes_);
  }
  load::OperationTags tags() const override { return {"behaviour", {"probe"}}; }
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx, std::uint64_t) override {
    return std::make_unique<User>(ctx, *this);
  }
  int made = 0;

 private:
  class User : public load::VirtualUser {
   public:
    User(load::WorkerContext& ctx, ProbingWorkload& w) : ctx_(ctx), w_(w) {}
    void iterate(load::Completion done) override {
      ctx_.recorder.add(w_.probes_);
      if (++n_ % 2 == 0) ctx_.recorder.add(w_.rejected_);
      boost::asio::post(ctx_.io, [done = std::move(done)] { done({}); });
    }

   private:
    load::WorkerContext& ctx_;
    ProbingWorkload& w_;
    std::uint64_t n_ = 0;
  };
  metrics::CounterId probes_ = 0, rejected_ = 0;
};

config::ThresholdTable table(const std::string& rule) {
  return config::parse_table(R"j({"suite": "unit", "scenarios": {"probe": {
      "load": {"ci": {"executor": "closed_loop", "users": 2, "duration": "300ms", "threads": 1}},
      "thresholds": {)j" + rule + "}}}}",
                             "unit.json", "ci");
}

TEST(RunScenarioTest, WhatAnnotateAddsIsKeptAndSharesAreDerivedAgain) {
  const config::ThresholdTable t =
      table(R"j("auth_rejection_rate": {"rate": {"acceptable": "40%"}})j");
  ProbingWorkload workload;
  ScenarioRun how;
  how.scenario = &t.scenario("probe");
  how.context = {{"machine", "unit"}};
  how.annotate = [](metrics::RunResult& r) {
    r.context["broadcast"] = {{"receipts", {1}}};  // a driver's section, as ws adds
    r.counters["auth_probes"] *= 4;  // a figure known after the run: the share follows it
  };
  const ScenarioOutcome out = run_scenario(workload, how);
  const metrics::RunResult& r = out.result;
  EXPECT_FALSE(out.refused);
  EXPECT_EQ(r.suite, "unit");
  EXPECT_EQ(r.scenario, "probe");
  EXPECT_EQ(r.context["broadcast"]["receipts"][0], 1);
  EXPECT_EQ(r.context["machine"], "unit");
  EXPECT_TRUE(r.context.contains("load"));
  const std::uint64_t probes = r.counters.at("auth_probes");
  const std::uint64_t rejected = r.counters.at("auth_rejected");
  ASSERT_GT(probes, 0u);
  EXPECT_DOUBLE_EQ(r.rates.at("auth_rejection_rate").value(),
                   static_cast<double>(rejected) / static_cast<double>(probes));
  EXPECT_FALSE(r.passed);  // four times the probes push the share from 50% to 12.5%
}

TEST(RunScenarioTest, ARuleThatCanMatchNothingRefusesTheScenarioBeforeAnyLoad) {
  const config::ThresholdTable t =
      table(R"j("latency{behaviour:nonexistent}": {"p(95)": {"acceptable": "1s"}})j");
  ProbingWorkload workload;
  ScenarioRun how;
  how.scenario = &t.scenario("probe");
  const ScenarioOutcome out = run_scenario(workload, how);
  EXPECT_TRUE(out.refused);
  EXPECT_FALSE(out.result.passed);
  ASSERT_EQ(out.result.thresholds.size(), 1u);
  EXPECT_NE(out.result.thresholds[0].note.find("no load was sent"), std::string::npos);
  EXPECT_EQ(out.result.attempted, 0u);
}

}  // namespace
}  // namespace perfgate::run
