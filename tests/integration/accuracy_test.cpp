// accuracy_test - perfgate measures what the target does, not what is convenient to time.
//
// Against the real reference service with injected behaviour (not against machine speed):
// - a server that stalls all responses for 1 s every 10 s: the open-loop run's p99 and p99.9
//   match what the stall implies (computed here from the same arrival schedule), while the
//   uncorrected figures (timed from the send) and a closed-loop run of the same rate hide it;
// - a fixed 20 ms delay at 1,000 requests/s is measured as 20 ms at the median.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "perfgate/http/flow.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "process.hpp"

namespace perfgate {
namespace {

using namespace std::chrono_literals;
using Nanos = std::chrono::nanoseconds;

// Logged-in users asking GET /users/me: an API route, which the injected behaviour applies to
// (/health stays truthful).
metrics::RunResult run_whoami(const testing::ReferenceService& service,
                              const load::LoadProfile& profile) {
  using http::RequestSpec;
  http::Flow flow;
  flow.user_variables = [](std::uint64_t index) {
    const std::string id = std::to_string(index % 1000 + 1);
    return std::map<std::string, std::string>{{"username", "user" + id}, {"password", "pass" + id}};
  };
  flow.on_start = {RequestSpec::post("/auth/login")
                       .json(R"({"username": "${username}", "password": "${password}"})")
                       .capture("token", "/token")};
  flow.behaviours.push_back({.name = "whoami",
                             .weight = 1,
                             .requests = {RequestSpec::get("/users/me").bearer("${token}")}});
  http::FlowWorkload workload(net::Url::parse(service.url()), net::ClientOptions{}, flow);
  metrics::MetricSet set;
  workload.declare(set);
  const auto outcome = load::run(workload, profile, set);
  return metrics::collect(set, outcome.recorder, outcome.steady_seconds);
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// The latency every arrival of an even open-loop schedule gets from a server that holds all
// responses during [k*period, k*period + stall) (plus `base` per response), at percentile p.
// Over whole periods the result does not depend on where the stalls fall in the run.
double analytic_percentile_ms(double rate, Nanos duration, Nanos period, Nanos stall, Nanos base,
                              double p) {
  const auto n = static_cast<std::size_t>(rate * std::chrono::duration<double>(duration).count());
  std::vector<double> latency(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double into = std::fmod(t, std::chrono::duration<double>(period).count());
    const double wait = std::max(0.0, std::chrono::duration<double>(stall).count() - into);
    latency[i] = (wait + std::chrono::duration<double>(base).count()) * 1e3;
  }
  std::sort(latency.begin(), latency.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
  return latency[std::clamp<std::size_t>(rank, 1, n) - 1];
}

TEST(Accuracy, OpenLoopReportsTheStallThatClosedLoopAndUncorrectedTimingHide) {
  constexpr auto kPeriod = 10s;
  constexpr auto kStall = 1s;
  constexpr auto kDuration = 20s;  // two whole periods
  constexpr double kRate = 200;
  testing::ReferenceService service({"--stall-every", "10s", "--stall-for", "1s"});

  // Open loop, as wrk2 -R: 4 connections, arrivals that find them all busy wait for one and are
  // timed from when they should have started.
  load::LoadProfile open;
  open.kind = load::ExecutorKind::kOpenLoop;
  open.plan = load::StagePlan::constant(kRate, kDuration);
  open.max_in_flight = 4;
  open.when_busy = load::WhenBusy::kQueue;
  open.prestart = true;
  open.threads = 1;
  open.graceful_stop = 3s;
  const metrics::RunResult o = run_whoami(service, open);
  ASSERT_EQ(o.failed, 0u) << o.to_json()["errors"].dump();
  const auto& corrected = o.histograms.at("latency");
  const auto& uncorrected = o.histograms.at("latency_uncorrected");

  // Closed loop at about the same rate: 4 users, 20 ms think time.
  load::LoadProfile closed;
  closed.plan = load::StagePlan::constant(4, kDuration);
  closed.think_time_min = closed.think_time_max = 20ms;
  closed.threads = 1;
  closed.graceful_stop = 3s;
  const metrics::RunResult c = run_whoami(service, closed);
  ASSERT_EQ(c.failed, 0u) << c.to_json()["errors"].dump();
  const auto& closed_latency = c.histograms.at("latency");

  // The base service time is the run's own median (the stall touches only 10% of requests).
  const Nanos base(corrected.percentile(50));
  const double want99 = analytic_percentile_ms(kRate, kDuration, kPeriod, kStall, base, 99);
  const double want999 = analytic_percentile_ms(kRate, kDuration, kPeriod, kStall, base, 99.9);
  std::printf(
      "stall 1s every 10s, %.0f/s for 20s (samples: open %llu, closed %llu)\n"
      "                        p99         p99.9\n"
      "  analytic          %9.1fms %9.1fms\n"
      "  open loop         %9.1fms %9.1fms   (perfgate's latency: from the intended start)\n"
      "  uncorrected       %9.1fms %9.1fms   (same run, timed from the send)\n"
      "  closed loop       %9.1fms %9.1fms   (4 users, 20ms think time)\n",
      kRate, static_cast<unsigned long long>(corrected.count()),
      static_cast<unsigned long long>(closed_latency.count()), want99, want999,
      ms(corrected.percentile(99)), ms(corrected.percentile(99.9)), ms(uncorrected.percentile(99)),
      ms(uncorrected.percentile(99.9)), ms(closed_latency.percentile(99)),
      ms(closed_latency.percentile(99.9)));

  EXPECT_NEAR(ms(corrected.percentile(99)), want99, want99 * 0.10);
  EXPECT_NEAR(ms(corrected.percentile(99.9)), want999, want999 * 0.10);
  // What coordinated omission does: only the few requests on the wire during a stall see it.
  EXPECT_LT(ms(uncorrected.percentile(99)), want99 / 10);
  EXPECT_LT(ms(closed_latency.percentile(99)), want99 / 10);
}

TEST(Accuracy, FixedDelayIsMeasuredAsItIsAtAThousandRequestsPerSecond) {
  testing::ReferenceService service({"--latency", "20ms"});
  load::LoadProfile open;
  open.kind = load::ExecutorKind::kOpenLoop;
  open.plan = load::StagePlan::constant(1000, 5s);
  open.max_in_flight = 64;
  open.prestart = true;
  open.threads = 1;
  const metrics::RunResult r = run_whoami(service, open);
  ASSERT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  const auto& latency = r.histograms.at("latency");
  std::printf("20ms injected, 1000/s: p50 %.3fms p99 %.3fms (%llu samples)\n",
              ms(latency.percentile(50)), ms(latency.percentile(99)),
              static_cast<unsigned long long>(latency.count()));
  EXPECT_GE(latency.count(), 4900u);
  EXPECT_NEAR(ms(latency.percentile(50)), 20.0, 0.5);
}

}  // namespace
}  // namespace perfgate
