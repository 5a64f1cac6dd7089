// thresholds.cpp - Threshold table parsing, validation and evaluation.
#include "perfgate/config/thresholds.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "perfgate/core/enum_names.hpp"
#include "perfgate/core/json_node.hpp"
#include "perfgate/core/strict_json.hpp"
#include "perfgate/core/units.hpp"

namespace perfgate::config {

using metrics::Direction;
using metrics::MetricKind;
using nlohmann::json;

namespace {
constexpr auto kTierNames = core::enum_names<Tier>(
    {{Tier::kExcellent, "excellent"}, {Tier::kGood, "good"}, {Tier::kAcceptable, "acceptable"}});
}  // namespace

std::string_view tier_name(Tier tier) { return kTierNames.name(tier); }

namespace {

std::optional<Tier> parse_tier(std::string_view s) { return kTierNames.parse(s); }

// Every check of the table reads through a JsonNode; parse_table adds the file to its errors.
using Node = core::JsonNode;

constexpr std::uint64_t kMaxUsers = 10'000'000;

// `{"file": "...", "max_regression": "10%", "confidence": "99%"}`; a relative file is resolved
// against the table's folder, so a table and its baseline move together.
BaselineRule parse_baseline(const Node& node, const std::string& table_file) {
  node.expect_object("a baseline rule {\"file\": ..., \"max_regression\": ...}");
  node.only_keys({"file", "max_regression", "confidence"});
  if (!node.has("file")) node.fail("expected \"file\": a results folder or results file");
  BaselineRule rule;
  const std::filesystem::path file = node.child("file").string("a path (a string)");
  rule.path = file.is_absolute()
                  ? file.string()
                  : (std::filesystem::path(table_file).parent_path() / file).string();
  rule.max_regression = node.percent_or("max_regression", rule.max_regression, {.high = 10});
  rule.confidence =
      node.percent_or("confidence", rule.confidence,
                      {.low = 0.5, .low_included = true, .high = 1, .high_included = false});
  return rule;
}

std::vector<load::Stage> parse_stages(const Node& node, std::string_view target_key,
                                      core::Unit unit) {
  if (!node.value().is_array() || node.value().empty()) {
    node.fail(fmt::format("expected a non-empty array of {{\"duration\": ..., \"{}\": ...}}",
                          target_key));
  }
  std::vector<load::Stage> stages;
  for (std::size_t i = 0; i < node.value().size(); ++i) {
    const Node s = node.element(i);
    s.expect_object("a stage");
    s.only_keys({"duration", target_key});
    if (!s.has("duration") || !s.has(std::string(target_key))) {
      s.fail(fmt::format("expected a stage with \"duration\" and \"{}\"", target_key));
    }
    load::Stage stage;
    stage.duration = s.child("duration").duration("a duration like \"30s\"");
    if (unit == core::Unit::kCount) {
      stage.target = static_cast<double>(
          s.child(std::string(target_key)).whole_number("a number of users", kMaxUsers));
    } else {
      stage.target = s.child(std::string(target_key)).quantity(unit, "a rate like \"20/s\"");
    }
    stages.push_back(stage);
  }
  return stages;
}

void parse_plan(const Node& node, load::LoadProfile& lp, bool open, core::Unit unit);
void parse_executor_settings(const Node& node, ScenarioConfig& sc, bool open);

constexpr std::array<const char*, 5> kCapacityKeys{"max_rate", "step_duration", "precision",
                                                   "max_steps", "cooldown"};

// Executor "capacity": the search's bounds and steps instead of a rate and a duration.
void parse_capacity(const Node& node, load::LoadProfile& lp) {
  for (const char* key : {"rate", "stages", "duration", "iterations"}) {
    if (node.has(key)) {
      node.child(key).fail(fmt::format(
          "'{}' does not apply to executor capacity (it picks its rates: start_rate, max_rate, "
          "step_duration)",
          key));
    }
  }
  if (!node.has("start_rate") || !node.has("step_duration"))
    node.fail("expected \"start_rate\" and \"step_duration\" for executor capacity");
  load::CapacityPlan& c = lp.capacity;
  c.start_rate = node.child("start_rate").quantity(core::Unit::kRate, "a rate like \"50/s\"");
  if (!(c.start_rate > 0)) node.child("start_rate").fail("expected a rate above zero");
  if (node.has("max_rate")) {
    c.max_rate = node.child("max_rate").quantity(core::Unit::kRate, "a rate like \"5000/s\"");
    if (!(c.max_rate >= c.start_rate)) node.child("max_rate").fail("expected at least start_rate");
  }
  c.step_duration = node.child("step_duration").duration("a duration like \"10s\"");
  if (c.step_duration.count() <= 0)
    node.child("step_duration").fail("expected a duration above zero");
  c.precision = node.percent_or("precision", c.precision, {});
  if (node.has("max_steps")) {
    c.max_steps =
        static_cast<std::uint32_t>(node.child("max_steps").whole_number("a number of steps", 1000));
    if (c.max_steps == 0) node.child("max_steps").fail("expected at least 1 step");
  }
  if (node.has("cooldown")) c.cooldown = node.child("cooldown").duration("a duration like \"1s\"");
  lp.plan = load::StagePlan::constant(c.start_rate, c.step_duration);
}

BenchmarkPlan parse_benchmark(const Node& node) {
  node.expect_object("a benchmark's settings (repetitions, min_time, ...)");
  node.only_keys({"repetitions", "min_time", "random_interleaving", "filter", "cpu"});
  BenchmarkPlan b;
  if (node.has("repetitions")) {
    b.repetitions = static_cast<std::uint32_t>(
        node.child("repetitions").whole_number("a number of repetitions", 1000));
    // Fewer than 8 cannot make a 99% verdict in A/B (stats::min_pairs) nor a bootstrap (5).
    if (b.repetitions < 8)
      node.child("repetitions")
          .fail(fmt::format("expected at least 8 repetitions (what a verdict rests on), got {}",
                            b.repetitions));
  }
  if (node.has("min_time")) {
    b.min_time = node.child("min_time").duration("a duration like \"50ms\"");
    if (b.min_time.count() <= 0) node.child("min_time").fail("expected a duration above zero");
  }
  b.random_interleaving = node.bool_or("random_interleaving", b.random_interleaving);
  if (node.has("filter")) b.filter = node.child("filter").string("a benchmark name pattern");
  if (node.has("cpu"))
    b.cpu = static_cast<int>(node.child("cpu").whole_number("a CPU number", 4095));
  return b;
}

void parse_load(const Node& node, ScenarioConfig& sc) {
  node.expect_object("a load (executor, users or rate, duration, ...)");
  node.only_keys(
      {"executor",        "users",         "rate",       "stages",      "start_users",
       "start_rate",      "duration",      "iterations", "think_time",  "spacing",
       "max_in_flight",   "graceful_stop", "threads",    "seed",        "connect_timeout",
       "request_timeout", "prestart",      "when_busy",  "timer_slack", "max_rate",
       "step_duration",   "precision",     "max_steps",  "cooldown",    "setup_timeout"});
  load::LoadProfile& lp = sc.load;
  constexpr const char* kExecutors = "\"closed_loop\", \"open_loop\" or \"capacity\"";
  if (!node.has("executor")) node.fail(fmt::format("expected \"executor\": {}", kExecutors));
  const std::string executor = node.child("executor").string(kExecutors);
  const bool capacity = executor == "capacity";
  const bool open = executor == "open_loop" || capacity;
  if (!open && executor != "closed_loop") {
    node.child("executor").fail(fmt::format("expected {}, got \"{}\"", kExecutors, executor));
  }
  lp.kind = capacity ? load::ExecutorKind::kCapacity
            : open   ? load::ExecutorKind::kOpenLoop
                     : load::ExecutorKind::kClosedLoop;
  for (const char* key : kCapacityKeys) {
    if (!capacity && node.has(key))
      node.child(key).fail(fmt::format("'{}' applies to executor capacity only", key));
  }
  const std::string target_key = capacity ? "start_rate" : open ? "rate" : "users";
  const std::string wrong_key = open ? "users" : "rate";
  if (node.has(wrong_key)) {
    node.child(wrong_key).fail(fmt::format("'{}' does not apply to executor {} (use '{}')",
                                           wrong_key, executor, target_key));
  }
  const core::Unit unit = open ? core::Unit::kRate : core::Unit::kCount;
  if (capacity) {
    parse_capacity(node, lp);
  } else {
    parse_plan(node, lp, open, unit);
  }
  parse_executor_settings(node, sc, open);
}

// The users or rate over time of a closed- or open-loop load.
void parse_plan(const Node& node, load::LoadProfile& lp, bool open, core::Unit unit) {
  const std::string target_key = open ? "rate" : "users";
  std::optional<std::chrono::nanoseconds> duration;
  if (node.has("duration")) {
    duration = node.child("duration").duration("a duration like \"30s\"");
    if (duration->count() <= 0) node.child("duration").fail("expected a duration above zero");
  }
  if (node.has("iterations")) {
    lp.iterations =
        node.child("iterations").whole_number("a number of iterations", 1'000'000'000'000);
    if (*lp.iterations == 0) node.child("iterations").fail("expected at least 1 iteration");
  }
  if (node.has("stages")) {
    if (node.has(target_key))
      node.fail(fmt::format("give either \"{}\" or \"stages\", not both", target_key));
    if (duration) node.child("duration").fail("\"duration\" comes from the stages; remove it");
    double start = 0;
    const std::string start_key = open ? "start_rate" : "start_users";
    if (node.has(start_key)) {
      start = open ? node.child(start_key).quantity(unit, "a rate like \"5/s\"")
                   : static_cast<double>(
                         node.child(start_key).whole_number("a number of users", kMaxUsers));
    }
    lp.plan = load::StagePlan(start, parse_stages(node.child("stages"), target_key, unit));
    if (lp.plan.total().count() <= 0)
      node.child("stages").fail("expected stages lasting longer than 0s");
  } else {
    if (!node.has(target_key)) node.fail(fmt::format("expected \"{}\" or \"stages\"", target_key));
    double target = 0;
    if (open) {
      target = node.child("rate").quantity(unit, "a rate like \"20/s\"");
    } else {
      target =
          static_cast<double>(node.child("users").whole_number("a number of users", kMaxUsers));
    }
    if (!(target > 0))
      node.child(target_key).fail(fmt::format("expected a {} above zero", target_key));
    if (!duration && !lp.iterations)
      node.fail("expected \"duration\", \"iterations\" or both: a run must end");
    // Iterations alone still need an upper bound in time: a day.
    lp.plan = load::StagePlan::constant(target, duration.value_or(std::chrono::hours(24)));
  }
  if (!(lp.plan.peak() > 0))
    node.fail(fmt::format("expected some stage with {} above zero", target_key));
}

// Settings of the executors beside the plan: think time, spacing, slots, timeouts, ...
void parse_executor_settings(const Node& node, ScenarioConfig& sc, bool open) {
  load::LoadProfile& lp = sc.load;
  if (node.has("think_time")) {
    if (open) node.child("think_time").fail("think_time applies to closed_loop only");
    const Node t = node.child("think_time");
    if (t.value().is_array()) {
      if (t.value().size() != 2) t.fail("expected [\"min\", \"max\"] durations");
      lp.think_time_min = t.element(0).duration("a duration like \"50ms\"");
      lp.think_time_max = t.element(1).duration("a duration like \"150ms\"");
      if (lp.think_time_max < lp.think_time_min) t.fail("expected min <= max");
    } else {
      lp.think_time_min = lp.think_time_max = t.duration("a duration like \"100ms\" or [min, max]");
    }
  }
  if (node.has("spacing")) {
    if (!open) node.child("spacing").fail("spacing applies to open_loop only");
    const std::string s = node.child("spacing").string("\"even\" or \"poisson\"");
    if (s == "even")
      lp.spacing = load::Spacing::kEven;
    else if (s == "poisson")
      lp.spacing = load::Spacing::kPoisson;
    else
      node.child("spacing").fail(fmt::format("expected \"even\" or \"poisson\", got \"{}\"", s));
  }
  if (node.has("max_in_flight")) {
    if (!open) node.child("max_in_flight").fail("max_in_flight applies to open_loop only");
    lp.max_in_flight = static_cast<std::uint32_t>(
        node.child("max_in_flight").whole_number("a number of slots", 1'000'000));
    if (lp.max_in_flight == 0) node.child("max_in_flight").fail("expected at least 1");
  }
  if (node.has("when_busy")) {
    if (!open) node.child("when_busy").fail("when_busy applies to open_loop only");
    const std::string w = node.child("when_busy").string("\"drop\" or \"queue\"");
    if (w != "drop" && w != "queue")
      node.child("when_busy").fail("expected \"drop\" or \"queue\", got \"" + w + "\"");
    lp.when_busy = w == "queue" ? load::WhenBusy::kQueue : load::WhenBusy::kDrop;
  }
  if (node.has("prestart")) {
    if (!open) node.child("prestart").fail("prestart applies to open_loop only");
    if (!node.child("prestart").value().is_boolean())
      node.child("prestart").fail("expected true or false");
    lp.prestart = node.child("prestart").value().get<bool>();
  }
  if (node.has("setup_timeout")) {
    if (!lp.prestart)
      node.child("setup_timeout").fail("setup_timeout applies with \"prestart\": true");
    lp.setup_timeout = node.child("setup_timeout").duration("a duration like \"5s\"");
    if (lp.setup_timeout.count() <= 0)
      node.child("setup_timeout").fail("expected a duration above 0");
  }
  if (node.has("timer_slack")) {
    if (!open) node.child("timer_slack").fail("timer_slack applies to open_loop only");
    lp.timer_slack = node.child("timer_slack").duration("a duration like \"200us\"");
  }
  if (node.has("graceful_stop"))
    lp.graceful_stop = node.child("graceful_stop").duration("a duration like \"5s\"");
  if (node.has("threads"))
    lp.threads =
        static_cast<std::uint32_t>(node.child("threads").whole_number("a thread count", 1024));
  if (node.has("seed")) lp.seed = node.child("seed").whole_number("a seed", UINT64_MAX);
  if (node.has("connect_timeout"))
    sc.connect_timeout = node.child("connect_timeout").duration("a duration like \"5s\"");
  if (node.has("request_timeout"))
    sc.request_timeout = node.child("request_timeout").duration("a duration like \"10s\"");
  if (sc.connect_timeout.count() <= 0 || sc.request_timeout.count() <= 0)
    node.fail("expected timeouts above zero");
}

// Checks the key's syntax: name or name{tag:value}.
void check_metric_key(const Node& node, const std::string& key) {
  const auto brace = key.find('{');
  if (brace == std::string::npos) return;
  const auto colon = key.find(':', brace);
  if (key.back() != '}' || colon == std::string::npos || colon == brace + 1 ||
      colon + 2 >= key.size()) {
    node.fail(fmt::format(
        "expected a metric key like \"latency\" or \"latency{{stage:2}}\", got \"{}\"", key));
  }
}

std::string metric_names() {
  std::string out;
  for (const auto& m : metrics::metric_catalog())
    out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

void parse_rules(const Node& node, ScenarioConfig& sc) {
  node.expect_object("thresholds by metric");
  for (const auto& [key, _] : node.value().items()) {
    const Node metric = node.child(key);
    check_metric_key(metric, key);
    const metrics::MetricInfo* info = metrics::find_metric(key);
    if (!info) {
      metric.fail(fmt::format("unknown metric '{}' (expected one of: {})", metrics::base_name(key),
                              metric_names()));
    }
    metric.expect_object("rules by statistic, e.g. {\"p(95)\": {\"acceptable\": \"300ms\"}}");
    for (const auto& [stat_text, __] : metric.value().items()) {
      const Node stat_node = metric.child(stat_text);
      const auto stat = parse_statistic(stat_text);
      const bool histogram = info->kind == MetricKind::kHistogram;
      const bool allowed = stat && (stat->kind == Statistic::Kind::kCount ||
                                    (histogram ? stat->kind != Statistic::Kind::kRate
                                               : stat->kind == Statistic::Kind::kRate));
      if (!allowed) {
        stat_node.fail(fmt::format(
            "unknown statistic '{}' for {} metric '{}' (expected {})", stat_text,
            histogram ? "histogram" : "rate", info->name,
            histogram ? "p(N) with 0 < N <= 100, avg, min, max or count" : "rate or count"));
      }
      stat_node.expect_object(
          "limits by tier, e.g. {\"good\": \"300ms\", \"acceptable\": \"600ms\"}");
      Rule rule;
      rule.metric = key;
      rule.statistic = *stat;
      rule.info = info;
      rule.direction =
          stat->kind == Statistic::Kind::kCount ? Direction::kAtLeast : info->direction;
      rule.json_path = stat_node.path();
      const core::Unit unit =
          stat->kind == Statistic::Kind::kCount ? core::Unit::kCount : info->unit;
      const std::string example = std::string(core::unit_name(unit)) == "ns"
                                      ? "a duration like \"300ms\""
                                  : unit == core::Unit::kPercent ? "a percentage like \"1%\""
                                  : unit == core::Unit::kRate    ? "a rate like \"100/s\""
                                  : unit == core::Unit::kBytes   ? "a size like \"256MiB\""
                                                                 : "a number like \"100\"";
      rule.min_samples = default_min_samples(*stat);
      for (const auto& [tier_text, ___] : stat_node.value().items()) {
        const Node limit = stat_node.child(tier_text);
        if (tier_text == "min_samples") {
          rule.min_samples = limit.whole_number("the samples this rule needs", 1'000'000'000);
          continue;
        }
        const auto tier = parse_tier(tier_text);
        if (!tier)
          limit.fail(
              fmt::format("unknown tier '{}' (expected excellent, good or acceptable, or "
                          "min_samples)",
                          tier_text));
        // A limit per profile, {"ci": "2ms", "default": "25ms"}: a figure calibrated on the
        // ci load is not the nightly load's. A profile with neither has no limit of this tier.
        std::optional<Node> for_profile;
        if (!limit.value().is_object()) {
          for_profile.emplace(limit);
        } else if (limit.has(sc.profile)) {
          for_profile.emplace(limit.child(sc.profile));
        } else if (limit.has("default")) {
          for_profile.emplace(limit.child("default"));
        } else {
          continue;
        }
        const Node& value = *for_profile;
        rule.limits[*tier] = value.quantity(unit, example);
        // A share (error_rate, drop_rate, ...) lies in [0%, 100%]: a limit above 100% is a rule
        // that cannot fail. (CPU figures are percentages of one core and may exceed 100%.)
        if (info->kind == MetricKind::kRate && unit == core::Unit::kPercent &&
            rule.limits[*tier] > 1.0) {
          value.fail(fmt::format(
              "expected a percentage from 0% to 100% ({} is a share of operations), got {}",
              info->name, value.got()));
        }
      }
      if (!rule.limits.count(sc.gate)) {
        stat_node.fail(
            fmt::format("expected a limit for the gating tier '{}'", tier_name(sc.gate)));
      }
      // Tiers must be ordered: excellent is the strictest.
      std::optional<std::pair<Tier, double>> previous;
      for (const auto& [tier, value] : rule.limits) {
        if (previous) {
          const bool ordered = rule.direction == Direction::kAtMost ? previous->second <= value
                                                                    : previous->second >= value;
          if (!ordered) {
            const bool most = rule.direction == Direction::kAtMost;
            stat_node.fail(fmt::format(
                "tiers out of order: expected excellent {0} good {0} acceptable ({1} is better for "
                "'{2}'), got {3} {4} and {5} {6}",
                most ? "<=" : ">=", most ? "lower" : "higher", info->name,
                tier_name(previous->first), core::format_quantity(previous->second, unit),
                tier_name(tier), core::format_quantity(value, unit)));
          }
        }
        previous = {tier, value};
      }
      sc.rules.push_back(std::move(rule));
    }
  }
}

}  // namespace

std::uint64_t default_min_samples(const Statistic& statistic) {
  if (statistic.kind == Statistic::Kind::kCount) return 0;
  if (statistic.kind != Statistic::Kind::kPercentile || statistic.percentile >= 100) return 1;
  return static_cast<std::uint64_t>(std::ceil(1000.0 / (100.0 - statistic.percentile) - 1e-9));
}

std::optional<Statistic> parse_statistic(std::string_view text) {
  Statistic s;
  s.text = std::string(text);
  if (text == "avg")
    s.kind = Statistic::Kind::kAvg;
  else if (text == "min")
    s.kind = Statistic::Kind::kMin;
  else if (text == "max")
    s.kind = Statistic::Kind::kMax;
  else if (text == "rate")
    s.kind = Statistic::Kind::kRate;
  else if (text == "count")
    s.kind = Statistic::Kind::kCount;
  else if (text.starts_with("p(") && text.ends_with(")")) {
    const std::string_view number = text.substr(2, text.size() - 3);
    double p = 0;
    auto [ptr, ec] =
        std::from_chars(number.data(), number.data() + number.size(), p, std::chars_format::fixed);
    if (ec != std::errc{} || ptr != number.data() + number.size() || !(p > 0 && p <= 100))
      return std::nullopt;
    s.kind = Statistic::Kind::kPercentile;
    s.percentile = p;
  } else {
    return std::nullopt;
  }
  return s;
}

const ScenarioConfig& ThresholdTable::scenario(const std::string& name) const {
  const auto it = scenarios.find(name);
  if (it == scenarios.end()) {
    throw ConfigError(file, "/scenarios", fmt::format("expected a scenario named '{}'", name));
  }
  return it->second;
}

namespace {
ThresholdTable parse_document(const Node& root, const std::string& file,
                              const std::string& profile);
}  // namespace

ThresholdTable parse_table(const std::string& text, const std::string& file,
                           const std::string& profile) {
  return read_config_json(text, file,
                          [&](const Node& root) { return parse_document(root, file, profile); });
}

namespace {

ThresholdTable parse_document(const Node& root, const std::string& file,
                              const std::string& profile) {
  root.expect_object("a threshold table");
  root.only_keys({"suite", "description", "profiles", "scenarios", "baseline"});
  if (!root.has("suite")) root.fail("expected \"suite\": the suite's name");
  ThresholdTable table;
  table.file = file;
  table.profile = profile;
  table.suite = root.child("suite").string("the suite's name (a string)");
  Tier gate = Tier::kAcceptable;
  std::optional<std::uint32_t> ab_rounds;
  std::optional<BaselineRule> table_baseline;
  if (root.has("baseline")) table_baseline = parse_baseline(root.child("baseline"), file);
  if (root.has("profiles")) {
    const Node profiles = root.child("profiles");
    profiles.expect_object("settings by profile");
    for (const auto& [name, _] : profiles.value().items()) {
      const Node p = profiles.child(name);
      p.expect_object("profile settings");
      p.only_keys({"gate", "ab_rounds"});
      if (p.has("ab_rounds")) {
        const Node n = p.child("ab_rounds");
        const auto rounds = n.whole_number("an even number of A/B rounds", 100);
        if (rounds < 2 || rounds % 2 != 0)
          n.fail(fmt::format("expected an even number of A/B rounds (2 to 100), got {}", rounds));
        if (name == profile) ab_rounds = static_cast<std::uint32_t>(rounds);
      }
      if (p.has("gate")) {
        const std::string g = p.child("gate").string("a tier name");
        const auto tier = parse_tier(g);
        if (!tier)
          p.child("gate").fail(
              fmt::format("expected excellent, good or acceptable, got \"{}\"", g));
        if (name == profile) gate = *tier;
      }
    }
  }
  if (!root.has("scenarios")) root.fail("expected \"scenarios\"");
  const Node scenarios = root.child("scenarios");
  scenarios.expect_object("scenarios by name");
  if (scenarios.value().empty())
    scenarios.fail("expected at least one scenario (the table is empty)");
  for (const auto& [name, _] : scenarios.value().items()) {
    const Node s = scenarios.child(name);
    s.expect_object("a scenario");
    s.only_keys(
        {"description", "load", "benchmark", "thresholds", "min_samples", "workload", "baseline"});
    ScenarioConfig sc;
    sc.suite = table.suite;
    sc.name = name;
    sc.profile = profile;
    sc.gate = gate;
    sc.ab_rounds = ab_rounds;
    sc.file = file;
    if (s.has("load") == s.has("benchmark"))
      s.fail(
          "expected \"load\" (a load test) or \"benchmark\" (a Google Benchmark program), "
          "with one entry per profile");
    const bool benchmark = s.has("benchmark");
    const Node loads = s.child(benchmark ? "benchmark" : "load");
    loads.expect_object(benchmark ? "benchmark settings per profile" : "a load per profile");
    if (!loads.has(profile)) {
      std::string have;
      for (const auto& [p, __] : loads.value().items()) have += (have.empty() ? "" : ", ") + p;
      loads.fail(fmt::format("missing {} for profile '{}' (this scenario has: {})",
                             benchmark ? "benchmark settings" : "load", profile, have));
    }
    if (benchmark) {
      sc.benchmark = parse_benchmark(loads.child(profile));
    } else {
      parse_load(loads.child(profile), sc);
    }
    sc.load_json = loads.child(profile).value();
    if (!s.has("thresholds")) s.fail("expected \"thresholds\"");
    parse_rules(s.child("thresholds"), sc);
    // A `capacity` rule judges a capacity search: in a profile whose load is a plain run (ci at
    // a fixed rate, say) there is no search to judge, so the rule waits for its profile.
    if (sc.load.kind != load::ExecutorKind::kCapacity) {
      std::erase_if(sc.rules,
                    [](const Rule& rule) { return metrics::base_name(rule.metric) == "capacity"; });
    }
    if (sc.rules.empty()) s.child("thresholds").fail("expected at least one threshold rule");
    if (s.has("workload")) {
      s.child("workload").expect_object("the scenario's workload settings");
      sc.workload = s.child("workload").value();
    }
    sc.baseline = s.has("baseline") ? parse_baseline(s.child("baseline"), file) : table_baseline;
    if (s.has("min_samples"))
      sc.min_samples = s.child("min_samples").whole_number("a minimum sample count", 1'000'000'000);
    table.scenarios.emplace(name, std::move(sc));
  }
  return table;
}

}  // namespace

ThresholdTable load_table(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, "", "cannot read the file (does it exist?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  ThresholdTable table = parse_table(buffer.str(), path, profile);
  // A suite finds its table by name and writes results under the table's "suite"; `perfgate
  // check` finds the table again from the results. A misspelt "suite" would put the results
  // where no table judges them, so the two names must agree.
  const std::string stem = std::filesystem::path(path).stem().string();
  if (table.suite != stem) {
    throw ConfigError(path, "/suite",
                      fmt::format("expected \"{}\" (the table's file name: results are written "
                                  "and checked under this name), got \"{}\"",
                                  stem, table.suite));
  }
  return table;
}

}  // namespace perfgate::config
