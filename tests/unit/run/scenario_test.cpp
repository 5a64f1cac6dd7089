// scenario_test - run::run_scenario on an in-process workload: what the workload's annotate step
// adds survives into the judged result, shares are derived again after it, and a rule that can
// match nothing refuses the scenario before any load.
#include "perfgate/run/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/report/results_file.hpp"

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

// A run of the table's probe scenario whose latency is `ms` milliseconds, 1,000 samples.
metrics::RunResult stored_probe(double ms) {
  metrics::RunResult r;
  r.suite = "unit";
  r.scenario = "probe";
  r.profile = "ci";
  r.histograms["latency"].record(static_cast<std::int64_t>(ms * 1e6), 1000);
  return r;
}

TEST(CompareWithBaselineTest, AFolderOfSeveralRunsJudgesAgainstTheirSpread) {
  namespace fs = std::filesystem;
  const config::ThresholdTable t = table(R"j("latency": {"p(95)": {"acceptable": "1s"}})j");
  const fs::path dir =
      fs::temp_directory_path() / ("perfgate-history-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  int n = 0;
  for (const double ms : {10.0, 11.0, 9.5}) {  // main's last three runs, a folder each
    report::write_results((dir / ("run" + std::to_string(++n))).string(), stored_probe(ms));
  }
  metrics::RunResult now = stored_probe(10.5);
  EXPECT_EQ(compare_with_baseline(t.scenario("probe"), dir.string(), now), "");
  EXPECT_EQ(now.context["baseline"]["file"], dir.string() + " (3 runs)");
  ASSERT_FALSE(now.thresholds.empty());
  EXPECT_THAT(now.thresholds.back().note, ::testing::HasSubstr("against 3 baseline runs"));

  // One run directly in the folder: that run alone.
  const fs::path one = dir / "one";
  report::write_results(one.string(), stored_probe(10.0));
  metrics::RunResult again = stored_probe(10.5);
  compare_with_baseline(t.scenario("probe"), one.string(), again);
  EXPECT_EQ(again.context["baseline"]["file"], (one / "unit" / "probe.json").string());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace perfgate::run
