// perfgate/config/thresholds.hpp - Threshold tables (thresholds/<suite>.json), parsed and checked.
//
// A table names a suite's scenarios; each has a load per profile (ci, local, nightly, ...),
// threshold rules in k6 style with tiers, and a minimum sample count. load_table() checks all of it
// for the active profile before any load is sent, and throws one ConfigError naming the file, the
// JSON path and what was expected. Past this boundary nothing re-validates. See DESIGN.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/config/config_error.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::config {

enum class Tier { kExcellent = 0, kGood = 1, kAcceptable = 2 };
std::string_view tier_name(Tier tier);

// Which figure of a metric a rule compares.
struct Statistic {
  enum class Kind { kPercentile, kAvg, kMin, kMax, kRate, kCount } kind = Kind::kAvg;
  double percentile = 0;  // for kPercentile, in (0, 100]
  std::string text;       // as written: "p(95)", "avg", ...
};

// One rule: `metric` `statistic` compared against up to three tiers' limits.
struct Rule {
  std::string metric;  // key, possibly with tags; "{stage:*}" applies to every stage
  Statistic statistic;
  const metrics::MetricInfo* info = nullptr;
  metrics::Direction direction =
      metrics::Direction::kAtMost;  // fixed by the metric (count: at least)
  std::map<Tier, double> limits;    // canonical units of the metric (count: plain number)
  // Below this many samples the rule fails as "too few samples", whatever its value: the
  // rule's own "min_samples", else default_min_samples(statistic).
  std::uint64_t min_samples = 1;
  std::string json_path;
};

// The samples a rule needs when its table does not say: for p(N) < 100, enough that ten
// samples lie beyond the percentile, ceil(1000 / (100 - N)) (p(95): 200, p(99): 1,000,
// p(99.9): 10,000), so that the figure is not one or two slow samples; for every other
// statistic (avg, min, max, rate) one sample, and none for count.
std::uint64_t default_min_samples(const Statistic& statistic);

// A table's optional `baseline` rule: fail a statistic that got worse than in the stored run by
// more than `max_regression` (see baseline.hpp).
struct BaselineRule {
  // A results folder (the run's file is found in it as the suite writes it) or one results file.
  // Relative paths in a table are resolved against the table's folder.
  std::string path;
  double max_regression = 0.10;  // a fraction: 0.10 == 10%
  // How sure a regression must be: the confidence of the change's interval (baseline.hpp).
  double confidence = 0.99;
};

// How a Google Benchmark program runs for a benchmark scenario (`"benchmark": {"ci": {...}}` in
// place of `"load"`; bench/google_benchmark.hpp runs it). Its figures are per repetition, so
// `repetitions` is what every statistic rests on: the scenario's min_samples.
struct BenchmarkPlan {
  std::uint32_t repetitions = 20;  // --benchmark_repetitions; A/B: rounds a side
  std::chrono::nanoseconds min_time = std::chrono::milliseconds(50);  // --benchmark_min_time
  bool random_interleaving = true;  // --benchmark_enable_random_interleaving
  std::string filter;               // --benchmark_filter; "" runs every benchmark
  std::optional<int> cpu;           // pin the program to this CPU (taskset -c), when set
};

struct ScenarioConfig {
  std::string suite;
  std::string name;
  std::string profile;
  load::LoadProfile load;
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds request_timeout = std::chrono::seconds(10);
  std::vector<Rule> rules;
  std::optional<BaselineRule> baseline;  // the scenario's, else the table's
  std::uint64_t min_samples = 0;
  Tier gate = Tier::kAcceptable;
  // An A/B run (run/ab.hpp) alternates this many rounds, half against each side, in ABBA order;
  // together they take the load's planned duration. Even, 2 to 100; the profile's `ab_rounds`
  // (`"profiles": {"ci": {"ab_rounds": 20}}`). Unset: run::default_ab_rounds.
  std::optional<std::uint32_t> ab_rounds;
  // Set for a benchmark scenario: a Google Benchmark program's figures, not a load (`load` unused).
  std::optional<BenchmarkPlan> benchmark;
  nlohmann::json load_json;  // the load as written, for the results' context
  // What the scenario's driver sends (model, prompts, ...): free-form here, parsed and checked by
  // the driver through parse_workload().
  nlohmann::json workload = nlohmann::json::object();
  std::string file;
};

// Parses `scenario.workload` with a driver's parser (which throws core::FieldError) and turns a
// failure into a ConfigError naming the table, "/scenarios/<name>/workload/..." and the reason.
template <class Parse>
auto parse_workload(const ScenarioConfig& scenario, Parse&& parse) {
  try {
    return parse(scenario.workload);
  } catch (const core::FieldError& e) {
    throw ConfigError(scenario.file, "/scenarios/" + scenario.name + "/workload" + e.path(),
                      e.expectation());
  }
}

struct ThresholdTable {
  std::string file;
  std::string suite;
  std::string profile;
  std::map<std::string, ScenarioConfig> scenarios;

  // The scenario called `name`; throws ConfigError if the table has none.
  const ScenarioConfig& scenario(const std::string& name) const;
};

// Parses a table's text for `profile`. `file` is only used in messages.
ThresholdTable parse_table(const std::string& text, const std::string& file,
                           const std::string& profile);
// Reads and parses `path`. Throws ConfigError (also when the file cannot be read).
ThresholdTable load_table(const std::string& path, const std::string& profile);

// Parses a statistic ("p(95)", "avg", ...); nullopt if it is not one.
std::optional<Statistic> parse_statistic(std::string_view text);

// A statistic of metric `key` in `run` (canonical units), and the samples it rests on. No value
// when the metric has no samples (a count is always there). A percentile is its bucket's bound
// on the safe side of `direction`: the highest value it stands for under an at-most rule, the
// lowest under an at-least rule, so that no sample beyond the limit can pass.
struct Measured {
  std::optional<double> value;
  std::uint64_t samples = 0;
};
Measured measure(const Statistic& stat, const std::string& key, const metrics::RunResult& run,
                 metrics::Direction direction = metrics::Direction::kAtMost);

// The keys a rule's metric names in `run`: itself, or every key matching a "{tag:*}" wildcard.
std::vector<std::string> keys_for(const std::string& metric, const metrics::RunResult& run);

// What a workload will tag its metrics with, known before any load: tag key -> every value a run
// records under it ("behaviour" -> its behaviours and start/stop; "stage" -> "1".."N" for a plan of
// N > 1 stages).
using DeclaredTags = std::map<std::string, std::vector<std::string>, std::less<>>;

// The rules whose tag selector can match nothing in a run of `scenario` (a value, or "*", under a
// declared key that holds no such value), each with why, and where() naming the table and the
// rule's JSON path: "thresholds/users.json: /scenarios/sustained_load/thresholds/
// latency{behaviour:nonexistent}/p(95): matches nothing: 'behaviour' is one of start,
// read_profile, stop". Tag keys not in `tags` are not checked. A suite calls it before any load.
struct UnmatchedSelector {
  const Rule* rule;
  std::string why;            // "matches nothing: 'behaviour' is one of start, read_profile, stop"
  std::string where() const;  // "<file>: <json path>: <why>"
  const ScenarioConfig* scenario;
};
std::vector<UnmatchedSelector> unmatched_selectors(const ScenarioConfig& scenario,
                                                   const DeclaredTags& tags);

// Judges `result` against `scenario`'s rules: fills result.thresholds, result.best_tier and
// result.passed (false when any gating rule fails, samples < min_samples, or the run was
// interrupted).
void evaluate(const ScenarioConfig& scenario, metrics::RunResult& result);

}  // namespace perfgate::config
