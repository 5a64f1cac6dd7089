// prometheus.cpp - Prometheus exposition of runs through prometheus-cpp.
#include "perfgate/report/prometheus.hpp"

#include <fmt/format.h>
#include <prometheus/collectable.h>
#include <prometheus/gateway.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <memory>
#include <sstream>

#include "figures.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/core/redact.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::report {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Canonical units to Prometheus base units, and the name suffix that says which.
struct PromUnit {
  double factor;
  std::string_view suffix;
};
PromUnit prom_unit(core::Unit unit) {
  switch (unit) {
    case core::Unit::kDuration:
      return {1e-9, "_seconds"};
    case core::Unit::kPercent:
      return {1.0, "_ratio"};
    case core::Unit::kRate:
      return {1.0, "_per_second"};
    case core::Unit::kBytes:
      return {1.0, "_bytes"};
    case core::Unit::kCount:
      return {1.0, ""};
  }
  return {1.0, ""};
}

std::vector<ClientMetric::Label> run_labels(const metrics::RunResult& r) {
  std::vector<ClientMetric::Label> labels{
      {"suite", r.suite}, {"scenario", r.scenario}, {"profile", r.profile}};
  if (r.shard.count > 1)
    labels.push_back({"shard", fmt::format("{}/{}", r.shard.index, r.shard.count)});
  return labels;
}

// The run's labels plus a key's tags: "latency{stage:2}" -> stage="2".
std::vector<ClientMetric::Label> key_labels(const metrics::RunResult& r, std::string_view key) {
  auto labels = run_labels(r);
  const auto open = key.find('{');
  if (open == std::string_view::npos || !key.ends_with('}')) return labels;
  const std::string_view tags = key.substr(open + 1, key.size() - open - 2);
  const auto colon = tags.find(':');
  if (colon != std::string_view::npos)
    labels.push_back({std::string(tags.substr(0, colon)), std::string(tags.substr(colon + 1))});
  return labels;
}

// Families by name, created on first use, in a stable order.
class Families {
 public:
  ClientMetric& add(const std::string& name, MetricType type, const std::string& help,
                    std::vector<ClientMetric::Label> labels) {
    auto [it, fresh] = index_.try_emplace(name, families_.size());
    if (fresh) families_.push_back({name, help, type, {}});
    MetricFamily& f = families_[it->second];
    f.metric.emplace_back();
    f.metric.back().label = std::move(labels);
    return f.metric.back();
  }
  void gauge(const std::string& name, const std::string& help,
             std::vector<ClientMetric::Label> labels, double value) {
    add(name, MetricType::Gauge, help, std::move(labels)).gauge.value = value;
  }
  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  std::map<std::string, std::size_t> index_;
  std::vector<MetricFamily> families_;
};

std::string help_of(std::string_view key) {
  const metrics::MetricInfo* info = metrics::find_metric(key);
  return info ? std::string(info->definition) : std::string(key);
}

std::vector<MetricFamily> families_of(const std::vector<metrics::RunResult>& runs) {
  Families f;
  for (const metrics::RunResult& r : runs) {
    for (const auto& [key, h] : r.histograms) {
      const std::string base(metrics::base_name(key));
      const PromUnit u = prom_unit(unit_of(key));
      const double to_base = scale_of(key) * u.factor;
      ClientMetric& m = f.add(fmt::format("perfgate_{}{}", base, u.suffix), MetricType::Summary,
                              help_of(key), key_labels(r, key));
      m.summary.sample_count = h.count();
      m.summary.sample_sum = h.mean() * static_cast<double>(h.count()) * to_base;
      if (h.count() == 0) continue;
      for (const double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
        m.summary.quantile.push_back({q, static_cast<double>(h.percentile(q * 100)) * to_base});
      }
    }
    for (const auto& [key, rate] : r.rates) {
      const PromUnit u = prom_unit(unit_of(key));
      f.gauge(fmt::format("perfgate_{}{}", metrics::base_name(key), u.suffix), help_of(key),
              key_labels(r, key), rate.value() * u.factor);
    }
    for (const auto& [kind, n] : r.errors) {
      auto labels = run_labels(r);
      labels.push_back({"kind", kind});
      f.add("perfgate_errors_total", MetricType::Counter, "failed operations by kind", labels)
          .counter.value = static_cast<double>(n);
    }
    for (const auto& [outcome, n] :
         {std::pair{"completed", r.completed}, std::pair{"failed", r.failed}}) {
      auto labels = run_labels(r);
      labels.push_back({"outcome", outcome});
      f.add("perfgate_operations_total", MetricType::Counter, "operations by outcome", labels)
          .counter.value = static_cast<double>(n);
    }
    for (const metrics::ThresholdOutcome& t : r.thresholds) {
      auto labels = run_labels(r);
      labels.push_back({"metric", t.metric});
      labels.push_back({"statistic", t.statistic});
      labels.push_back({"tier", t.tier});
      const double factor = t.statistic == "count" ? 1.0 : prom_unit(unit_of(t.metric)).factor;
      f.gauge("perfgate_threshold_passed", "1 if the rule was met", labels, t.passed ? 1 : 0);
      f.gauge("perfgate_threshold_limit",
              "the gating limit of the rule, in base units (seconds, ratio, per second, bytes)",
              labels, t.limit * factor);
      if (t.measured)
        f.gauge("perfgate_threshold_measured",
                "the rule's measured figure, in base units (seconds, ratio, per second, bytes)",
                labels, *t.measured * factor);
    }
    f.gauge("perfgate_run_passed", "1 if every rule was met", run_labels(r), r.passed ? 1 : 0);
    f.gauge("perfgate_run_interrupted", "1 if the run was stopped early", run_labels(r),
            r.interrupted ? 1 : 0);
    f.gauge("perfgate_run_duration_seconds", "the run's measured duration", run_labels(r),
            r.duration_s);
    f.gauge("perfgate_run_end_timestamp_seconds", "when the run ended (Unix time)", run_labels(r),
            static_cast<double>(r.ended_at_ms) / 1000.0);
  }
  return f.take();
}

class RunsCollectable : public prometheus::Collectable {
 public:
  explicit RunsCollectable(std::vector<MetricFamily> families) : families_(std::move(families)) {}
  std::vector<MetricFamily> Collect() const override { return families_; }

 private:
  std::vector<MetricFamily> families_;
};

struct PushTarget {
  std::string host;  // "http://host"
  std::string port;
  std::string job = "perfgate";
  prometheus::Labels grouping;
  std::string username, password;
};

PushTarget parse_push_url(const std::string& url) {
  const auto fail = [&](std::string_view why) -> PushTarget {
    throw std::invalid_argument(fmt::format("--prometheus-push '{}': {}", core::redact(url), why));
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return fail("expected http://host:port[/metrics/job/...]");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return fail("expected an http:// or https:// URL");
  std::string rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  PushTarget t;
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string user = authority.substr(0, at);
    const auto colon = user.find(':');
    t.username = user.substr(0, colon);
    if (colon != std::string::npos) t.password = user.substr(colon + 1);
    authority = authority.substr(at + 1);
  }
  const auto colon = authority.rfind(':');
  const bool has_port =
      colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  t.host = scheme + "://" + authority.substr(0, has_port ? colon : std::string::npos);
  t.port = has_port ? authority.substr(colon + 1) : (scheme == "https" ? "443" : "80");
  if (authority.empty() || t.port.empty()) return fail("expected a host");
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty()) parts.push_back(part);
  }
  if (!parts.empty()) {
    if (parts.size() < 3 || parts[0] != "metrics" || parts[1] != "job" || parts.size() % 2 != 1)
      return fail("a path must be /metrics/job/<job>[/<label>/<value>...]");
    t.job = parts[2];
    for (std::size_t i = 3; i + 1 < parts.size(); i += 2) t.grouping[parts[i]] = parts[i + 1];
  }
  return t;
}

}  // namespace

std::string prometheus_text(const std::vector<metrics::RunResult>& runs) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families_of(runs));
  return out.str();
}

void write_prometheus_textfile(const std::string& path,
                               const std::vector<metrics::RunResult>& runs) {
  write_file_atomically(path, prometheus_text(runs));
}

void push_to_gateway(const std::string& url, const std::vector<metrics::RunResult>& runs) {
  const PushTarget t = parse_push_url(url);
  prometheus::Gateway gateway(t.host, t.port, t.job, t.grouping, t.username, t.password);
  const auto collectable = std::make_shared<RunsCollectable>(families_of(runs));
  gateway.RegisterCollectable(collectable);
  const int status = gateway.Push();
  if (status < 200 || status >= 300) {
    throw core::IoError(fmt::format(
        "Pushgateway at {} answered {}", core::redact(url),
        status > 0 ? fmt::format("HTTP {}", status) : std::string("nothing (unreachable?)")));
  }
}

}  // namespace perfgate::report
