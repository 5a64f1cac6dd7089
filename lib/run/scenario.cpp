// scenario.cpp - Run a scenario, then judge it: rules, shard gate, baseline.
#include "perfgate/run/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "perfgate/config/baseline.hpp"
#include "perfgate/metrics/catalog.hpp"
#include "perfgate/report/results_file.hpp"
#include "perfgate/run/capacity_search.hpp"
#include "scenario_steps.hpp"

namespace perfgate::run {
namespace {

// recovery_time's limit: the scenario's p(95) latency rule, at its gate tier.
std::optional<std::int64_t> recovery_limit(const config::ScenarioConfig& sc) {
  bool wanted = false;
  std::optional<std::int64_t> limit;
  for (const config::Rule& rule : sc.rules) {
    wanted = wanted || metrics::base_name(rule.metric) == "recovery_time";
    if (rule.metric == "latency" && rule.statistic.kind == config::Statistic::Kind::kPercentile &&
        rule.statistic.percentile == 95) {
      limit = static_cast<std::int64_t>(rule.limits.at(sc.gate));
    }
  }
  if (!wanted) return std::nullopt;
  if (!limit) {
    throw config::ConfigError(
        sc.file, "/scenarios/" + sc.name + "/thresholds",
        "recovery_time needs a \"latency\": {\"p(95)\": ...} rule to recover under");
  }
  return limit;
}

// The outcome of a rule that was not measured, with why.
metrics::ThresholdOutcome unjudged(const config::ScenarioConfig& sc, const config::Rule& rule,
                                   std::string note) {
  metrics::ThresholdOutcome o;
  o.metric = rule.metric;
  o.statistic = rule.statistic.text;
  o.comparison = rule.direction == metrics::Direction::kAtMost ? "<=" : ">=";
  o.limit = rule.limits.at(sc.gate);
  o.tier = "none";
  o.note = std::move(note);
  return o;
}

}  // namespace

config::DeclaredTags declared_tags(const load::Workload& workload, const load::LoadProfile& load) {
  config::DeclaredTags tags;
  if (load::OperationTags t = workload.tags(); !t.key.empty()) tags[t.key] = std::move(t.values);
  auto& stages = tags["stage"];
  if (const std::size_t n = load.plan.stages().size(); n > 1) {
    for (std::size_t i = 1; i <= n; ++i) stages.push_back(std::to_string(i));
  }
  return tags;
}

namespace {

// The stored runs of `r`'s scenario under `path`: the file itself; in a folder, its
// `<suite>/<scenario>.json` and that of each folder in it (main's last runs, one folder each).
std::vector<std::string> stored_runs(const std::string& path, const metrics::RunResult& r) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path)) return {path};
  std::vector<std::string> files;
  if (const std::string direct = report::results_path(path, r); fs::exists(direct))
    files.push_back(direct);
  std::vector<fs::path> folders;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());  // the order read: the last is "the" baseline
  for (const fs::path& folder : folders) {
    if (const std::string f = report::results_path(folder.string(), r); fs::exists(f))
      files.push_back(f);
  }
  return files;
}

}  // namespace

std::string compare_with_baseline(const config::ScenarioConfig& sc,
                                  const std::optional<std::string>& path_override,
                                  metrics::RunResult& r) {
  if (!sc.baseline && !path_override) return "";
  config::BaselineRule rule = sc.baseline.value_or(config::BaselineRule{});
  if (path_override) rule.path = *path_override;
  const std::vector<std::string> files = stored_runs(rule.path, r);
  if (files.empty() || !std::filesystem::exists(files.front())) {
    const std::string where = files.empty() ? report::results_path(rule.path, r) : files.front();
    r.context["baseline"] = {{"file", where}, {"note", "no baseline run there: not compared"}};
    return fmt::format("no baseline at {}: {} not compared", where, r.scenario);
  }
  std::vector<metrics::RunResult> before;
  for (const std::string& file : files) {
    before.push_back(report::read_results(file));
    if (const auto why = config::incomparable(before.back(), r)) {
      // The table asks for a comparison that cannot be made: a failed rule, not a silent pass.
      metrics::ThresholdOutcome o;
      o.metric = "baseline";
      o.statistic = "profile";
      o.comparison = "==";
      o.tier = "none";
      o.note = fmt::format("{} not compared with {}: {}", r.scenario, file, *why);
      r.thresholds.push_back(o);
      r.passed = false;
      r.context["baseline"] = {{"file", file}, {"note", o.note}};
      return o.note;
    }
  }
  // With three or more stored runs, each change is judged against their spread.
  std::vector<const metrics::RunResult*> history;
  for (const metrics::RunResult& b : before) history.push_back(&b);
  config::apply_baseline(
      config::compare_runs(history, r, config::rule_statistics(sc), rule.max_regression,
                           sc.min_samples, {.confidence = rule.confidence}),
      rule.max_regression,
      files.size() == 1 ? files.front() : fmt::format("{} ({} runs)", rule.path, files.size()), r);
  return "";
}

void name_run(const config::ScenarioConfig& sc, metrics::RunResult& r) {
  r.suite = sc.suite;
  r.scenario = sc.name;
  r.profile = sc.profile;
}

namespace detail {

std::optional<ScenarioOutcome> refuse_unmatched(const load::Workload& workload,
                                                const ScenarioRun& how, std::ostream& out) {
  const config::ScenarioConfig& sc = *how.scenario;
  const auto unmatched =
      config::unmatched_selectors(sc, declared_tags(workload, how.load.value_or(sc.load)));
  if (unmatched.empty()) return std::nullopt;
  ScenarioOutcome refused{.result = {}, .refused = true};
  name_run(sc, refused.result);
  for (const config::UnmatchedSelector& u : unmatched) {
    refused.result.thresholds.push_back(unjudged(sc, *u.rule, u.why + " (no load was sent)"));
    out << "perfgate: " << u.where() << '\n';
  }
  refused.result.passed = false;
  out << std::flush;
  return refused;
}

MeasureOptions measure_options(const ScenarioRun& how) {
  MeasureOptions options = how.measure;
  options.recovery_limit_ns = recovery_limit(*how.scenario);
  return options;
}

void annotate(const ScenarioRun& how, Measurement& m) {
  if (!how.annotate || !m.ran) return;
  how.annotate(m.result);
  rederive_shares(m);
}

void describe_and_evaluate(const ScenarioRun& how, const std::optional<load::SetUpOutcome>& setup,
                           metrics::RunResult& r) {
  const config::ScenarioConfig& sc = *how.scenario;
  name_run(sc, r);
  // The caller's context joins what the workload's annotate step put there (ws: its broadcast
  // receipts, which `perfgate merge` needs).
  r.context.update(how.context);
  r.context["load"] = sc.load_json;
  if (setup) {
    r.context["setup"] = {{"seconds", setup->seconds},
                          {"slots", setup->slots},
                          {"started", setup->started},
                          {"failed", setup->failed},
                          {"cut", setup->cut}};
  }
  if (!how.load_note.is_null()) r.context["adjusted"] = how.load_note;
  config::evaluate(sc, r);
}

}  // namespace detail

ScenarioOutcome run_scenario(load::Workload& workload, const ScenarioRun& how) {
  const config::ScenarioConfig& sc = *how.scenario;
  const load::LoadProfile profile = how.load.value_or(sc.load);
  std::ostringstream silent;
  std::ostream& out = how.measure.out ? *how.measure.out : silent;

  // A rule whose tag selector can match nothing would only say "no samples" after the whole
  // load: say so before any is sent.
  if (auto refused = detail::refuse_unmatched(workload, how, out)) return std::move(*refused);

  const MeasureOptions options = detail::measure_options(how);
  const auto annotate = [&how](Measurement& m) { detail::annotate(how, m); };
  Measurement m;
  if (profile.kind == load::ExecutorKind::kCapacity) {
    m = search_capacity(sc, workload, profile, options, annotate);
  } else {
    m = measure(workload, profile, options);
    annotate(m);
  }
  metrics::RunResult r = std::move(m.result);
  detail::describe_and_evaluate(how, m.setup, r);
  if (r.shard.count > 1) {
    // A shard's share of the load says nothing about a table's absolute figures (throughput,
    // counts, min_samples): its rules are shown, but the gate is the merged run's.
    r.passed = !r.interrupted;
    r.context["gate"] = "merged run";
  } else if (const std::string note = compare_with_baseline(sc, how.baseline_path, r);
             !note.empty()) {
    out << "perfgate: " << note << '\n';
  }
  return {.result = std::move(r)};
}

}  // namespace perfgate::run
