// merge.cpp - Shard results folded into one run.
#include "perfgate/metrics/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "perfgate/core/json_fields.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::metrics {

Histogram broadcast_fanout(const nlohmann::json& doc) {
  Histogram h;
  if (!doc.is_object() || !doc.contains("sent_ns") || !doc.contains("last_receipt_ns")) return h;
  const auto& sent = doc["sent_ns"];
  const auto& last = doc["last_receipt_ns"];
  for (std::size_t i = 0; i < std::min(sent.size(), last.size()); ++i) {
    const auto s = core::whole_number<std::int64_t>(sent[i], "sent_ns");
    const auto l = core::whole_number<std::int64_t>(last[i], "last_receipt_ns");
    // Clock readings are positive; anything else (a damaged file) must not overflow l - s.
    if (s != 0 && l != 0) h.record(s > 0 && l > s ? l - s : 0);
  }
  return h;
}

nlohmann::json merge_broadcast(const std::vector<nlohmann::json>& docs) {
  std::vector<std::int64_t> sent, last;
  std::vector<std::uint64_t> receipts;
  std::uint64_t subscribers = 0;
  for (const nlohmann::json& d : docs) {
    const std::size_t n = d.at("sent_ns").size();
    if (sent.size() < n) {
      sent.resize(n, 0);
      last.resize(n, 0);
      receipts.resize(n, 0);
    }
    // Read strictly (.at(), whole numbers): shard files come from elsewhere.
    for (std::size_t i = 0; i < n; ++i) {
      const auto s = core::whole_number<std::int64_t>(d.at("sent_ns").at(i), "sent_ns");
      if (s != 0) sent[i] = s;
      last[i] = std::max(last[i], core::whole_number<std::int64_t>(d.at("last_receipt_ns").at(i),
                                                                   "last_receipt_ns"));
      receipts[i] += core::whole_number<std::uint64_t>(d.at("receipts").at(i), "receipts");
    }
    if (d.contains("subscribers")) {
      subscribers += core::whole_number<std::uint64_t>(d.at("subscribers"), "subscribers");
    }
  }
  return {{"sent_ns", sent},
          {"last_receipt_ns", last},
          {"receipts", receipts},
          {"subscribers", subscribers}};
}

void check_one_run(const std::vector<RunResult>& shards, bool one_scenario) {
  if (shards.empty()) throw std::invalid_argument("no shard results to merge");
  const RunResult& first = shards.front();
  for (const RunResult& s : shards) {
    const auto differs = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b) {
        throw std::invalid_argument(fmt::format(
            "cannot merge shard {}/{} of {} '{}' with shard {}/{} of {} '{}': different {}",
            first.shard.index, first.shard.count, what, a, s.shard.index, s.shard.count, what, b,
            what));
      }
    };
    differs("suite", first.suite, s.suite);
    if (one_scenario) differs("scenario", first.scenario, s.scenario);
    differs("profile", first.profile, s.profile);
    if (s.shard.count != first.shard.count) {
      throw std::invalid_argument(fmt::format("cannot merge shards of {} and of {} shards",
                                              first.shard.count, s.shard.count));
    }
  }
}

RunResult merge_shards(const std::vector<RunResult>& shards) {
  check_one_run(shards, true);
  const RunResult& first = shards.front();
  std::set<int> seen;
  for (const RunResult& s : shards) {
    if (!seen.insert(s.shard.index).second) {
      throw std::invalid_argument(
          fmt::format("shard {}/{} is given twice", s.shard.index, s.shard.count));
    }
  }
  // A missing shard (a pod that failed) would gate a fraction of the load as if it were all.
  if (static_cast<int>(seen.size()) != first.shard.count) {
    std::string missing;
    for (int i = 0; i < first.shard.count; ++i) {
      if (!seen.contains(i))
        missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i, first.shard.count);
    }
    throw std::invalid_argument(fmt::format("cannot merge {} of {} shards: missing shard {}",
                                            seen.size(), first.shard.count, missing));
  }

  if (first.shard.count > 1 && first.capacity) {
    throw std::invalid_argument(fmt::format(
        "shard {}/{} holds a capacity search, which runs in one process and does not merge",
        first.shard.index, first.shard.count));
  }
  RunResult m;
  m.capacity = first.capacity;  // one shard: its search, whole
  m.suite = first.suite;
  m.scenario = first.scenario;
  m.profile = first.profile;
  m.shard = {0, 1};
  m.min_samples = first.min_samples;
  m.context = first.context;
  m.context.erase("broadcast");
  m.context.erase("gate");  // a shard's: the merged run is judged
  m.context["merged_shards"] = shards.size();
  m.started_at_ms = first.started_at_ms;
  std::vector<nlohmann::json> broadcasts;
  std::int64_t sessions_peak = 0;
  bool any_sessions = false;
  for (const RunResult& s : shards) {
    m.started_at_ms = std::min(m.started_at_ms, s.started_at_ms);
    m.ended_at_ms = std::max(m.ended_at_ms, s.ended_at_ms);
    m.duration_s = std::max(m.duration_s, s.duration_s);
    m.interrupted = m.interrupted || s.interrupted;
    m.attempted += s.attempted;
    m.completed += s.completed;
    m.failed += s.failed;
    m.interrupted_operations += s.interrupted_operations;
    for (const auto& [key, h] : s.histograms) {
      if (key == "sessions_held") {
        any_sessions = true;
        sessions_peak += h.count() > 0 ? h.max() : 0;
        continue;
      }
      if (key == "broadcast_fanout") continue;
      m.histograms[key].merge(h);
    }
    for (const auto& [key, r] : s.rates) {
      RateFigure& into = m.rates[key];
      const MetricInfo* info = find_metric(key);
      into.numerator += r.numerator;
      into.samples += r.samples;
      // Per-second rates share the clock: the shards' events over the longest steady time.
      if (info && info->unit == core::Unit::kRate) {
        into.denominator = std::max(into.denominator, r.denominator);
      } else {
        into.denominator += r.denominator;
      }
    }
    for (const auto& [kind, n] : s.errors) m.errors[kind] += n;
    for (const auto& [name, n] : s.counters) m.counters[name] += n;
    if (s.context.contains("broadcast")) broadcasts.push_back(s.context["broadcast"]);
  }
  for (const RunResult& s : shards) {
    // Series by wall-clock second since the earliest shard's start.
    const std::int64_t offset = (s.started_at_ms - m.started_at_ms + 500) / 1000;
    for (const SeriesPoint& p : s.series) {
      const std::int64_t second = p.second + offset;
      auto it = std::find_if(m.series.begin(), m.series.end(),
                             [&](const SeriesPoint& q) { return q.second == second; });
      if (it == m.series.end()) {
        m.series.push_back(SeriesPoint{second, 0, 0, Histogram(2)});
        it = m.series.end() - 1;
      }
      it->completed += p.completed;
      it->failed += p.failed;
      it->latency.merge(p.latency);
    }
  }
  std::sort(m.series.begin(), m.series.end(),
            [](const SeriesPoint& a, const SeriesPoint& b) { return a.second < b.second; });
  if (any_sessions) {
    Histogram h;
    h.record(sessions_peak);
    m.histograms["sessions_held"] = h;
    m.context["sessions_held"] = "sum of the shards' peaks";
  }
  if (!broadcasts.empty()) {
    m.context["broadcast"] = merge_broadcast(broadcasts);
    const Histogram fanout = broadcast_fanout(m.context["broadcast"]);
    if (fanout.count() > 0) m.histograms["broadcast_fanout"] = fanout;
  }
  return m;
}

}  // namespace perfgate::metrics
