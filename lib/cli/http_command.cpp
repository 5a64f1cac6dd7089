// http_command.cpp - `perfgate http URL`: wrk's job with perfgate's measurement.
//
// Keep-alive GETs of one URL from C connections on T threads for a duration, closed loop (as wrk:
// each connection sends its next request when the previous one is answered) or open loop at a
// fixed rate (--rate: latency from the intended start, as wrk2). Every request's latency goes into
// the full histogram, so the figures it prints are the ones a suite would gate on. scripts/bench
// runs it side by side with wrk and h2load against the same nginx.
#include <fmt/format.h>

#include <charconv>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/http/flow.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/net/url.hpp"
#include "perfgate/report/results_file.hpp"
#include "perfgate/run/measure.hpp"

namespace perfgate::cli {
namespace {

constexpr const char* kHttpUsage =
    R"(usage: perfgate http URL [--connections 16] [--threads 1] [--duration 10s] [--rate N/s]
                     [--spacing even|poisson] [--timer-slack 0s] [--timeout 30s]
                     [--results-dir DIR]
  closed loop (as wrk) unless --rate is given, then open loop at that rate with latency from each
  request's intended start (as wrk2); prints requests/s and latency percentiles from the histogram.
  --timer-slack D lets one wake-up start every arrival due within D (less CPU; the lateness shows
  in latency and schedule_lag)
)";

std::string ms(std::int64_t ns) { return fmt::format("{:.3f}ms", static_cast<double>(ns) / 1e6); }

void print_outcome(const metrics::RunResult& r) {
  const metrics::Histogram& latency = r.histograms.at("latency");
  std::cout << fmt::format("requests: {} completed, {} failed, {:.3f}s\n", r.completed, r.failed,
                           r.duration_s);
  for (const auto& [kind, count] : r.errors) std::cout << fmt::format("  {}: {}\n", kind, count);
  std::cout << fmt::format(
      "latency ({} samples): min {}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n", latency.count(),
      ms(latency.min()), ms(latency.percentile(50)), ms(latency.percentile(90)),
      ms(latency.percentile(99)), ms(latency.percentile(99.9)), ms(latency.max()));
  if (const auto it = r.histograms.find("latency_uncorrected"); it != r.histograms.end()) {
    const metrics::Histogram& raw = it->second;
    std::cout << fmt::format("latency_uncorrected (from actual send): p50 {}  p99 {}  p99.9 {}\n",
                             ms(raw.percentile(50)), ms(raw.percentile(99)),
                             ms(raw.percentile(99.9)));
  }
  std::cout << fmt::format("requests/s: {:.1f}\n", r.rates.at("throughput").value());
}

}  // namespace

int http_command(const std::vector<std::string>& argv) {
  Args args;
  try {
    args = parse_args(argv, {"--connections", "--threads", "--duration", "--rate", "--spacing",
                             "--timeout", "--results-dir", "--timer-slack"});
    if (args.positional.size() != 1) throw std::invalid_argument("needs exactly one URL");
  } catch (const std::invalid_argument& e) {
    std::cerr << "perfgate http: " << e.what() << '\n' << kHttpUsage;
    return 2;
  }
  auto flag = [&](std::string_view name, std::string fallback) {
    const std::string* v = args.flag(name);
    return v ? *v : fallback;
  };
  try {
    net::Url url = net::Url::parse(args.positional[0]);
    // The URL's path is the request target ("/" when it has none).
    const std::string path = url.base_path.empty() ? "/" : url.base_path;
    url.base_path.clear();
    net::ClientOptions client;
    client.request_timeout = core::parse_duration(flag("--timeout", "30s"));
    http::Flow flow;
    flow.behaviours.push_back(
        {.name = "get", .weight = 1, .requests = {http::RequestSpec::get(path)}});
    http::FlowWorkload workload(url, client, flow);

    // A whole number in [1, max]: 0 connections would send nothing and "succeed".
    const auto count_flag = [&](std::string_view name, const char* fallback, unsigned long max) {
      const std::string text = flag(name, fallback);
      unsigned long n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc{} || end != text.data() + text.size() || n < 1 || n > max) {
        throw std::invalid_argument(
            fmt::format("{}: expected a whole number from 1 to {}, got '{}'", name, max, text));
      }
      return n;
    };
    const auto connections = count_flag("--connections", "16", 1'000'000);
    const auto duration = core::parse_duration(flag("--duration", "10s"));
    load::LoadProfile profile;
    profile.threads = static_cast<std::uint32_t>(count_flag("--threads", "1", 1024));
    profile.graceful_stop = std::chrono::seconds(1);
    if (const std::string* rate = args.flag("--rate")) {
      profile.kind = load::ExecutorKind::kOpenLoop;
      profile.plan = load::StagePlan::constant(core::parse_rate(*rate), duration);
      profile.max_in_flight = static_cast<std::uint32_t>(connections);
      profile.prestart = true;  // connect first, as wrk does
      profile.when_busy = load::WhenBusy::kQueue;
      profile.timer_slack = core::parse_duration(flag("--timer-slack", "0s"));
      const std::string spacing = flag("--spacing", "even");
      if (spacing != "even" && spacing != "poisson")
        throw std::invalid_argument("--spacing: expected even or poisson, got " + spacing);
      profile.spacing = spacing == "even" ? load::Spacing::kEven : load::Spacing::kPoisson;
    } else {
      profile.plan = load::StagePlan::constant(static_cast<double>(connections), duration);
    }
    metrics::RunResult result = run::measure(workload, profile, {.label = "http"}).result;
    result.suite = "http";
    result.scenario = "get";
    result.passed = result.failed == 0;
    print_outcome(result);
    if (const std::string* dir = args.flag("--results-dir"))
      std::cout << "results: " << report::write_results(*dir, result) << '\n';
    return result.failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "perfgate http: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace perfgate::cli
