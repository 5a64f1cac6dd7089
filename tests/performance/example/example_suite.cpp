// example_suite - The smallest complete suite: the README's "write a new scenario" example.
// Its numbers live in thresholds/example.json. Run it with `ctest --test-dir build -L example`.
#include "perfgate/gtest/matchers.hpp"
#include "perfgate/gtest/suite.hpp"
#include "perfgate/http/flow.hpp"

namespace {

using perfgate::http::RequestSpec;

class Example : public perfgate::gtest::SuiteTest {};

// Anonymous users check the service's health: Poisson arrivals at the table's rate.
TEST_F(Example, HealthCheck) {
  perfgate::http::Flow flow;
  flow.behaviours = {{"health", 1, {RequestSpec::get("/health")}}};
  EXPECT_MEETS_THRESHOLDS(run("health_check", [&] {
    return std::make_unique<perfgate::http::FlowWorkload>(
        url("http"), client_options("health_check", "http"), flow);
  }));
}

}  // namespace

PERFGATE_SUITE_MAIN("example", "http")
