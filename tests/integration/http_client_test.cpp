// http_client_test - Integration tests for lib/http against the real reference service, started
// by the test: keep-alive, phases, status kinds, a stalled response, a refused connection, an
// oversize body, and an executor run against a target that never answers.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "perfgate/http/flow.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/net/http_connection.hpp"
#include "perfgate/net/reachability.hpp"
#include "process.hpp"

namespace perfgate::net {
namespace {

using namespace std::chrono_literals;
using metrics::ErrorKind;
namespace bhttp = boost::beast::http;

Exchange send_once(Connection& c, boost::asio::io_context& io, bhttp::verb verb,
                   const std::string& target, const std::string& body = {}) {
  Request req{verb, target, 11};
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  Exchange result;
  c.send(std::move(req), [&](Exchange&& ex) { result = std::move(ex); });
  io.restart();
  io.run();
  return result;
}

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { service_ = new testing::ReferenceService(); }
  static void TearDownTestSuite() { delete service_; }
  std::shared_ptr<Origin> origin(ClientOptions o = {}) {
    return std::make_shared<Origin>(Url::parse(service_->url()), o);
  }
  static testing::ReferenceService* service_;
  boost::asio::io_context io_;
};
testing::ReferenceService* HttpClientTest::service_ = nullptr;

TEST_F(HttpClientTest, KeepAliveReusesTheConnectionAndReportsPhases) {
  Connection c(io_, origin());
  const Exchange first = send_once(c, io_, bhttp::verb::get, "/health");
  EXPECT_EQ(first.error, ErrorKind::kNone) << first.detail;
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.body, R"({"status":"ok"})");
  EXPECT_TRUE(first.new_connection);
  EXPECT_TRUE(first.connect.has_value());
  EXPECT_TRUE(first.ttfb.has_value());
  EXPECT_FALSE(first.tls_handshake.has_value());
  const Exchange second = send_once(c, io_, bhttp::verb::get, "/health");
  EXPECT_EQ(second.status, 200u);
  EXPECT_FALSE(second.new_connection);
  EXPECT_FALSE(second.connect.has_value());
}

TEST_F(HttpClientTest, StatusesAreReportedForTheCallerToJudge) {
  Connection c(io_, origin());
  EXPECT_EQ(send_once(c, io_, bhttp::verb::get, "/users/me").status, 401u);
  EXPECT_EQ(send_once(c, io_, bhttp::verb::get, "/nope").status, 404u);
  const Exchange login = send_once(c, io_, bhttp::verb::post, "/auth/login",
                                   R"({"username": "user3", "password": "pass3"})");
  EXPECT_EQ(login.status, 200u);
  EXPECT_NE(login.body.find("\"token\""), std::string::npos);
}

TEST_F(HttpClientTest, StalledResponseTimesOut) {
  ClientOptions o;
  o.request_timeout = 300ms;
  Connection c(io_, origin(o));
  const auto started = std::chrono::steady_clock::now();
  const Exchange ex = send_once(c, io_, bhttp::verb::get, "/delay/10000");
  EXPECT_EQ(ex.error, ErrorKind::kTimeout);
  EXPECT_EQ(ex.status, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not the 10 s the server wanted
  // The connection recovers for the next request.
  EXPECT_EQ(send_once(c, io_, bhttp::verb::get, "/health").status, 200u);
}

// https:// against a plain-HTTP port takes the TCP connection and then fails every request: the
// check before a run does the handshake, so it fails there, once, saying why.
TEST_F(HttpClientTest, ReachabilityOfATlsUrlIncludesTheHandshake) {
  const std::string plain = service_->url();
  ASSERT_TRUE(plain.starts_with("http://"));
  EXPECT_EQ(unreachable_reason(Url::parse(plain), 5s), std::nullopt);
  const auto why = unreachable_reason(Url::parse("https://" + plain.substr(7)), 5s, true);
  ASSERT_TRUE(why.has_value());
  EXPECT_TRUE(why->starts_with("TLS handshake failed: ")) << *why;
}

TEST_F(HttpClientTest, RefusedConnectionIsCountedAsRefused) {
  auto closed = std::make_shared<Origin>(
      Url::parse("http://127.0.0.1:" + std::to_string(testing::unused_port())), ClientOptions{});
  Connection c(io_, closed);
  const Exchange ex = send_once(c, io_, bhttp::verb::get, "/health");
  EXPECT_EQ(ex.error, ErrorKind::kRefused) << ex.detail;
}

TEST_F(HttpClientTest, OversizeBodyIsAProtocolError) {
  ClientOptions o;
  o.body_limit = 16;
  Connection c(io_, origin(o));
  const Exchange ex = send_once(c, io_, bhttp::verb::get, "/metrics");
  EXPECT_EQ(ex.error, ErrorKind::kProtocol) << ex.detail;
}

TEST_F(HttpClientTest, FlowCapturesTokensAndCountsRejections) {
  http::Flow flow;
  flow.user_variables = [](std::uint64_t i) {
    return std::map<std::string, std::string>{{"username", "user" + std::to_string(i + 1)},
                                              {"password", "pass" + std::to_string(i + 1)}};
  };
  flow.on_start = {http::RequestSpec::post("/auth/login")
                       .json(R"({"username": "${username}", "password": "${password}"})")
                       .capture("token", "/token")
                       .capture("id", "/user_id")};
  flow.behaviours = {
      {"read", 1, {http::RequestSpec::get("/users/${id}/profile").bearer("${token}")}},
      {"forged", 1, {http::RequestSpec::get("/users/me").bearer("forged").must_be_rejected()}}};
  flow.on_stop = {http::RequestSpec::post("/auth/logout").bearer("${token}").expect(204)};
  http::FlowWorkload workload(Url::parse(service_->url()), {}, flow);
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(3, 60s);
  p.iterations = 300;
  p.threads = 2;
  metrics::MetricSet set;
  const auto outcome = load::run(workload, p, set);
  const metrics::RunResult r = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
  EXPECT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  // 300 iterations: a user's login and logout are its set-up and tear-down, under their own tags.
  EXPECT_EQ(r.attempted, 300u);
  EXPECT_EQ(r.histograms.at("latency").count(), 300u);
  EXPECT_EQ(r.histograms.at("latency{behaviour:start}").count(), 3u);
  EXPECT_EQ(r.histograms.at("latency{behaviour:stop}").count(), 3u);
  EXPECT_EQ(r.counters.at("auth_probes"), r.counters.at("auth_rejected"));
  EXPECT_GT(r.counters.at("auth_probes"), 0u);
  EXPECT_EQ(r.histograms.at("connect").count(), 3u);  // one keep-alive connection per user
}

TEST_F(HttpClientTest, RunAgainstAHangingTargetEndsOnTimeWithTimeouts) {
  http::Flow flow;
  flow.behaviours = {{"hang", 1, {http::RequestSpec::get("/delay/60000")}}};
  ClientOptions o;
  o.request_timeout = 400ms;
  http::FlowWorkload workload(Url::parse(service_->url()), o, flow);
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(4, 1s);
  p.threads = 2;
  p.graceful_stop = 1s;
  metrics::MetricSet set;
  const auto outcome = load::run(workload, p, set);
  const metrics::RunResult r = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
  EXPECT_GE(r.errors.at("timeout"), 4u);
  EXPECT_EQ(r.completed, 0u);
  // 1 s of load plus at most one request timeout; generous bound, not a speed assertion.
  EXPECT_LT(outcome.duration_s, 6.0);
}

TEST_F(HttpClientTest, ErrorStatusesAreCountedByKind) {
  testing::ReferenceService failing({"--error-rate", "100%"});
  http::Flow flow;
  flow.user_variables = [](std::uint64_t) {
    return std::map<std::string, std::string>{{"username", "user1"}, {"password", "pass1"}};
  };
  flow.behaviours = {{"login",
                      1,
                      {http::RequestSpec::post("/auth/login")
                           .json(R"({"username": "${username}", "password": "${password}"})")}},
                     {"missing", 1, {http::RequestSpec::get("/nope")}}};
  http::FlowWorkload workload(Url::parse(failing.url()), {}, flow);
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(2, 60s);
  p.iterations = 200;
  p.threads = 1;
  metrics::MetricSet set;
  const auto outcome = load::run(workload, p, set);
  const metrics::RunResult r = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
  EXPECT_EQ(r.failed, 200u);
  EXPECT_EQ(r.errors.at("status_5xx") + r.errors.at("status_4xx"), 200u);
  EXPECT_GT(r.errors.at("status_5xx"), 0u);
  EXPECT_GT(r.errors.at("status_4xx"), 0u);
  EXPECT_DOUBLE_EQ(r.rates.at("error_rate").value(), 1.0);
}

}  // namespace
}  // namespace perfgate::net
