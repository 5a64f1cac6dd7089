// prometheus.cpp - Prometheus exposition of runs through prometheus-cpp.
#include "perfgate/report/prometheus.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <memory>
#include <set>
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

// The metric name of a key: perfgate_<base>_<unit suffix>, without saying the unit twice
// (output_tokens_per_s, a rate, is perfgate_output_tokens_per_second).
std::string metric_name(std::string_view key) {
  std::string_view base = metrics::base_name(key);
  const PromUnit u = prom_unit(unit_of(key));
  if (u.suffix == "_per_second" && base.ends_with("_per_s")) base.remove_suffix(6);
  return fmt::format("perfgate_{}{}", base, u.suffix);
}

// Labels every series of a run carries. A shard's own result has `shard="i/n"`; a run merged
// from n shards has `shards="n"`, so it never shares a series with a one-process run.
std::vector<ClientMetric::Label> run_labels(const metrics::RunResult& r) {
  std::vector<ClientMetric::Label> labels{
      {"suite", r.suite}, {"scenario", r.scenario}, {"profile", r.profile}};
  if (r.shard.count > 1)
    labels.push_back({"shard", fmt::format("{}/{}", r.shard.index, r.shard.count)});
  if (const int n = merged_shards(r); n > 1) labels.push_back({"shards", std::to_string(n)});
  return labels;
}

// Label names perfgate's own series use; a tag of the same name becomes tag_<name>.
bool is_reserved_label(std::string_view name) {
  static const std::set<std::string_view> kReserved{
      "suite",     "scenario", "profile",  "shard", "shards",   "kind", "outcome", "metric",
      "statistic", "tier",     "quantile", "job",   "instance", "le",   "__name__"};
  return kReserved.contains(name) || name.starts_with("__");
}

// A key's tags as labels: "latency{stage:2}" -> stage="2"; "x{a:1,b:2}" -> a="1", b="2".
void add_tag_labels(std::string_view key, std::vector<ClientMetric::Label>& labels) {
  const auto open = key.find('{');
  if (open == std::string_view::npos || !key.ends_with('}')) return;
  std::string_view tags = key.substr(open + 1, key.size() - open - 2);
  while (!tags.empty()) {
    const auto comma = tags.find(',');
    const std::string_view tag = tags.substr(0, comma);
    tags = comma == std::string_view::npos ? std::string_view{} : tags.substr(comma + 1);
    const auto colon = tag.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(tag.substr(0, colon));
    for (char& c : name) {  // label names are [a-zA-Z_][a-zA-Z0-9_]*
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
        is_reserved_label(name))
      name = "tag_" + name;
    labels.push_back({std::move(name), std::string(tag.substr(colon + 1))});
  }
}

// The run's labels plus a key's tags.
std::vector<ClientMetric::Label> key_labels(const metrics::RunResult& r, std::string_view key) {
  auto labels = run_labels(r);
  add_tag_labels(key, labels);
  return labels;
}

// Two runs with the same labels would write the same series twice, which Prometheus, the
// Pushgateway and node_exporter all reject whole: refuse before anything is written.
void refuse_indistinguishable_runs(const std::vector<metrics::RunResult>& runs) {
  std::map<std::vector<ClientMetric::Label>, const metrics::RunResult*> seen;
  for (const metrics::RunResult& r : runs) {
    const auto [it, fresh] = seen.try_emplace(run_labels(r), &r);
    if (fresh) continue;
    const metrics::RunResult& first = *it->second;
    throw std::invalid_argument(fmt::format(
        "two runs of {}/{} ({}, profile {}) started {} and {} would be the same Prometheus "
        "series; report or push them separately (a Pushgateway grouping key such as "
        "/metrics/job/perfgate/run/<id> keeps them apart)",
        r.suite, r.scenario, origin_text(r), r.profile, utc_text(first.started_at_ms),
        utc_text(r.started_at_ms)));
  }
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
  refuse_indistinguishable_runs(runs);
  Families f;
  for (const metrics::RunResult& r : runs) {
    for (const auto& [key, h] : r.histograms) {
      const double to_base = scale_of(key) * prom_unit(unit_of(key)).factor;
      ClientMetric& m =
          f.add(metric_name(key), MetricType::Summary, help_of(key), key_labels(r, key));
      m.summary.sample_count = h.count();
      m.summary.sample_sum = h.mean() * static_cast<double>(h.count()) * to_base;
      if (h.count() == 0) continue;
      for (const double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
        m.summary.quantile.push_back({q, static_cast<double>(h.percentile(q * 100)) * to_base});
      }
    }
    for (const auto& [key, rate] : r.rates) {
      const PromUnit u = prom_unit(unit_of(key));
      f.gauge(metric_name(key), help_of(key), key_labels(r, key), rate.value() * u.factor);
    }
    // Every kind, 0 when none failed so: rate() and absent() alerts need the series to exist.
    std::map<std::string, std::uint64_t> errors(r.errors.begin(), r.errors.end());
    for (std::size_t k = 1; k < metrics::kErrorKindCount; ++k) {
      errors.try_emplace(std::string(metrics::error_kind_name(static_cast<metrics::ErrorKind>(k))),
                         0);
    }
    for (const auto& [kind, n] : errors) {
      auto labels = run_labels(r);
      labels.push_back({"kind", kind});
      f.add("perfgate_errors_total", MetricType::Counter, "failed operations by kind", labels)
          .counter.value = static_cast<double>(n);
    }
    for (const auto& [outcome, n] :
         {std::pair{"completed", r.completed}, std::pair{"failed", r.failed},
          std::pair{"interrupted", r.interrupted_operations}}) {
      auto labels = run_labels(r);
      labels.push_back({"outcome", outcome});
      f.add("perfgate_operations_total", MetricType::Counter,
            "operations by outcome (interrupted: cut by the harness at the end)", labels)
          .counter.value = static_cast<double>(n);
    }
    for (const metrics::ThresholdOutcome& t : r.thresholds) {
      auto labels = run_labels(r);
      labels.push_back({"metric", std::string(metrics::base_name(t.metric))});
      add_tag_labels(t.metric, labels);
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

// Where a push goes: the gateway's URL without credentials, and the credentials apart.
struct PushTarget {
  std::string endpoint;  // scheme://host[:port]/metrics/job/<job>[/<label>/<value>...]
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
  const std::string rest = url.substr(scheme_end + 3);
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
  if (authority.empty() || authority.ends_with(':')) return fail("expected a host");
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty()) parts.push_back(part);
  }
  if (parts.empty()) parts = {"metrics", "job", "perfgate"};
  if (parts.size() < 3 || parts[0] != "metrics" || parts[1] != "job" || parts.size() % 2 != 1)
    return fail("a path must be /metrics/job/<job>[/<label>/<value>...]");
  t.endpoint = scheme + "://" + authority;
  for (const std::string& part : parts) t.endpoint += "/" + part;
  return t;
}

// The gateway's reply, for an error message: its first line, shortened. A rejected push of many
// runs is answered with every inconsistency (tens of kilobytes): the first says what is wrong.
std::string reply_gist(const std::string& reply) {
  std::istringstream in(reply);
  std::string gist, line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    // "N error(s) occurred:" says nothing alone: its first error says what is wrong.
    if (lines++ < 2 && (gist.empty() || gist.ends_with(':'))) {
      gist += (gist.empty() ? "" : " ") + line.substr(0, 300);
    }
  }
  if (lines > 2) gist += fmt::format(" (and {} more lines)", lines - 2);
  return gist;
}

std::size_t keep_reply(char* data, std::size_t size, std::size_t n, void* reply) {
  auto& text = *static_cast<std::string*>(reply);
  if (text.size() < 64 * 1024) text.append(data, std::min(size * n, 64 * 1024 - text.size()));
  return size * n;
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
  const std::string body = prometheus_text(runs);
  const std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw core::IoError("cannot start an HTTP client for the Pushgateway push");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
      curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4; charset=utf-8"),
      curl_slist_free_all);
  std::string reply;
  CURL* c = curl.get();
  // POST: each pushed metric family replaces its namesake in the group (PUT would replace the
  // whole group). The reply is kept for the error message, never printed whole.
  curl_easy_setopt(c, CURLOPT_URL, t.endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5'000L);  // a stalled gateway is not waited on
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30'000L);
  if (!t.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, t.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, t.password.c_str());
  }
  if (const CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
    throw core::IoError(fmt::format("Pushgateway at {} did not answer: {}", core::redact(url),
                                    curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    throw core::IoError(fmt::format("Pushgateway at {} refused the push: HTTP {}: {}",
                                    core::redact(url), status, reply_gist(reply)));
  }
}

}  // namespace perfgate::report
