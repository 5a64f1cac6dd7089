// concurrent_users_suite - How the target behaves as many users log in, browse and leave.
// Loads and limits: thresholds/concurrent_users.json.
#include "flows.hpp"
#include "perfgate/gtest/matchers.hpp"
#include "perfgate/gtest/suite.hpp"

namespace perfgate::suites::concurrent_users {
namespace {

class ConcurrentUsers : public gtest::SuiteTest {
 protected:
  metrics::RunResult run_flow(const std::string& scenario, const http::Flow& flow) {
    return run(scenario, [&] {
      return std::make_unique<http::FlowWorkload>(url("http"), client_options(scenario, "http"),
                                                  flow);
    });
  }
};

// Users are added step by step; the p95 of every stage stays within bounds.
TEST_F(ConcurrentUsers, GradualRampUp) {
  EXPECT_MEETS_THRESHOLDS(run_flow("gradual_ramp_up", browsing_user()));
}

// A constant population for the whole run: latency, error rate and throughput.
TEST_F(ConcurrentUsers, SustainedLoad) {
  EXPECT_MEETS_THRESHOLDS(run_flow("sustained_load", browsing_user()));
}

// The profile's peak population, every user logged in and holding its session.
TEST_F(ConcurrentUsers, PeakUsers) {
  EXPECT_MEETS_THRESHOLDS(run_flow("peak_users", browsing_user()));
}

// Login, token, profile reads and updates, logout; revoked, expired and invalid tokens must be
// refused (auth_rejection_rate).
TEST_F(ConcurrentUsers, SessionManagement) {
  EXPECT_MEETS_THRESHOLDS(run_flow("session_management", session_lifecycle_user()));
}

// Behaviours by weight with think time, each with its own latency figures.
TEST_F(ConcurrentUsers, WeightedBehaviour) {
  EXPECT_MEETS_THRESHOLDS(run_flow("weighted_behaviour", weighted_user()));
}

// CPU and memory of the target and of perfgate itself while under load.
TEST_F(ConcurrentUsers, ResourceUsage) {
  if (!target("http").pid) {
    GTEST_SKIP() << "target_cpu and target_rss need a target on this machine with a known pid "
                    "(the reference service started by ctest has one)";
  }
  EXPECT_MEETS_THRESHOLDS(run_flow("resource_usage", browsing_user()));
}

// A sudden spike of users, then back to normal: how long until p95 is back under its limit.
// The highest arrival rate of browsing requests at which every threshold holds (nightly: a
// capacity search; ci: one open-loop run at a rate the target must take).
TEST_F(ConcurrentUsers, Capacity) {
  EXPECT_MEETS_THRESHOLDS(run_flow("capacity", browsing_user()));
}

TEST_F(ConcurrentUsers, SpikeRecovery) {
  EXPECT_MEETS_THRESHOLDS(run_flow("spike_recovery", browsing_user()));
}

}  // namespace
}  // namespace perfgate::suites::concurrent_users

PERFGATE_SUITE_MAIN("concurrent_users", "http")
