// ws_test - The WebSocket driver against the real reference service, including servers that drop
// sessions mid-run, never finish the upgrade or send invalid UTF-8, and rooms spread over worker
// processes.
#include <gtest/gtest.h>

#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/merge.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/ws/workload.hpp"
#include "process.hpp"

namespace perfgate::ws {
namespace {

using namespace std::chrono_literals;
using testing::ReferenceService;

struct Outcome {
  metrics::RunResult result;
  double duration_s = 0;
  std::uint64_t peak_sessions = 0;
};

// Runs `options` under `profile` against ws://127.0.0.1:`port`.
Outcome run(std::uint16_t port, WorkloadOptions options, load::LoadProfile profile,
            net::ClientOptions client = {}) {
  const std::uint64_t sessions = profile.kind == load::ExecutorKind::kOpenLoop
                                     ? profile.max_in_flight
                                     : static_cast<std::uint64_t>(profile.plan.peak());
  RealtimeWorkload workload(net::Url::parse("ws://127.0.0.1:" + std::to_string(port)), client,
                            std::move(options), sessions);
  metrics::MetricSet set;
  const auto outcome = load::run(workload, profile, set);
  Outcome o{metrics::collect(set, outcome.recorder, outcome.steady_seconds), outcome.duration_s,
            outcome.peak_sessions};
  workload.annotate(o.result);
  return o;
}

load::LoadProfile closed(double users, std::chrono::nanoseconds duration,
                         std::chrono::nanoseconds think) {
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(users, duration);
  p.think_time_min = p.think_time_max = think;
  p.threads = 2;
  p.graceful_stop = 2s;
  return p;
}

std::uint64_t count(const metrics::RunResult& r, const std::string& name) {
  const auto it = r.counters.find(name);
  return it == r.counters.end() ? 0 : it->second;
}

TEST(WebSocket, EchoesAreAllAccountedFor) {
  ReferenceService service;
  WorkloadOptions o;
  o.mode = Mode::kEcho;
  o.path = "/ws/echo";
  o.batch = 4;
  o.format = Format::kBinary;
  const Outcome out = run(service.port(), o, closed(5, 2s, 0ms));
  const auto& r = out.result;
  EXPECT_EQ(r.failed, 0u);
  EXPECT_GT(count(r, "messages_sent"), 1000u);
  EXPECT_EQ(count(r, "messages_sent"),
            count(r, "messages_received") + count(r, "messages_missing"));
  EXPECT_EQ(count(r, "messages_missing"), 0u);
  EXPECT_EQ(r.histograms.at("ws_rtt").count(), count(r, "messages_received"));
  EXPECT_EQ(r.histograms.at("ws_connect").count(), 5u);
  EXPECT_EQ(out.peak_sessions, 5u);
}

TEST(WebSocket, ServerThatDropsSessionsIsCountedAndTheRunEndsOnTime) {
  ReferenceService service({"--ws-drop-after", "700ms"});
  WorkloadOptions o;
  o.mode = Mode::kHold;
  o.path = "/ws/echo";
  const Outcome out = run(service.port(), o, closed(10, 3s, 100ms));
  const auto& r = out.result;
  ASSERT_TRUE(r.errors.count("drops")) << r.to_json().dump();
  EXPECT_GE(r.errors.at("drops"), 10u);  // every session dropped at least once
  EXPECT_EQ(count(r, "sessions_dropped"), r.errors.at("drops"));
  EXPECT_GE(count(r, "reconnections"), 10u);  // and its user came back
  // Every session's life ended by the drop lasted about 700 ms.
  EXPECT_LT(r.histograms.at("session_uptime").percentile(50), 1'000'000'000);
  EXPECT_LT(out.duration_s, 4.5);
}

TEST(WebSocket, InvalidUtf8InATextFrameIsAProtocolErrorAndTheRunEndsOnTime) {
  ReferenceService service({"--ws-corrupt-text", "true"});
  WorkloadOptions o;
  o.mode = Mode::kEcho;
  o.path = "/ws/echo";
  o.format = Format::kText;
  const Outcome out = run(service.port(), o, closed(4, 2s, 20ms));
  const auto& r = out.result;
  ASSERT_TRUE(r.errors.count("protocol")) << r.to_json().dump();
  EXPECT_GE(r.errors.at("protocol"), 4u);  // every session's first echo, at least
  EXPECT_EQ(count(r, "messages_received"), 0u) << "no corrupt message is taken as received";
  EXPECT_LT(out.duration_s, 4.5);
}

TEST(WebSocket, UpgradeNeverAnsweredCountsTimeouts) {
  ReferenceService service({"--ws-stall-upgrade", "true"});
  WorkloadOptions o;
  o.mode = Mode::kConnect;
  o.path = "/ws/echo";
  load::LoadProfile p;
  p.kind = load::ExecutorKind::kOpenLoop;
  p.plan = load::StagePlan::constant(20, 1s);
  p.max_in_flight = 64;
  p.threads = 1;
  p.graceful_stop = 1s;
  net::ClientOptions client;
  client.connect_timeout = 300ms;
  const Outcome out = run(service.port(), o, p, client);
  const auto& r = out.result;
  EXPECT_EQ(r.completed, 0u);
  ASSERT_TRUE(r.errors.count("timeout")) << r.to_json().dump();
  EXPECT_EQ(r.errors.at("timeout"), r.failed);
  EXPECT_GE(r.failed, 18u);
  EXPECT_LT(out.duration_s, 3.0);
}

load::LoadProfile connects(double rate, std::chrono::nanoseconds duration) {
  load::LoadProfile p;
  p.kind = load::ExecutorKind::kOpenLoop;
  p.plan = load::StagePlan::constant(rate, duration);
  p.threads = 1;
  return p;
}

TEST(WebSocket, NothingListeningIsRefused) {
  WorkloadOptions o;
  o.mode = Mode::kConnect;
  o.path = "/ws/echo";
  const auto r = run(testing::unused_port(), o, connects(20, 500ms)).result;
  ASSERT_TRUE(r.errors.count("refused"));
  EXPECT_EQ(r.errors.at("refused"), r.failed);
  EXPECT_GT(r.failed, 5u);
}

TEST(WebSocket, BroadcastReachesSubscribersInEveryWorkerProcess) {
  ReferenceService service({"--workers", "2", "--threads", "1"});
  WorkloadOptions o;
  o.mode = Mode::kBroadcast;
  o.room = "all";
  o.path = "/ws/rooms/all";
  o.broadcasts = 5;
  o.publish_after = 300ms;
  const Outcome out = run(service.port(), o, closed(41, 3s, 100ms));
  const auto& r = out.result;
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(count(r, "broadcast_receipts"), 5u * 40u) << r.context.dump();
  EXPECT_EQ(count(r, "messages_missing"), 0u);
  EXPECT_EQ(r.histograms.at("broadcast_latency").count(), 200u);
  EXPECT_EQ(r.histograms.at("broadcast_fanout").count(), 5u);
}

TEST(WebSocket, UnknownEndpointIsAnUpgradeFailureNotAHang) {
  ReferenceService service;
  WorkloadOptions o;
  o.mode = Mode::kConnect;
  o.path = "/ws/nowhere";
  const auto r = run(service.port(), o, connects(20, 500ms)).result;
  ASSERT_TRUE(r.errors.count("status_4xx")) << r.to_json().dump();
  EXPECT_EQ(r.errors.at("status_4xx"), r.failed);
}

}  // namespace
}  // namespace perfgate::ws
