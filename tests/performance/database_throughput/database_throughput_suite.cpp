// database_throughput_suite - How many transactions per second a PostgreSQL database (or the
// service in front of it) sustains, and at what latency: pgbench's rigour, with percentiles and
// gates. Loads, scripts and limits: thresholds/database_throughput.json; scripts:
// fixtures/postgres/scripts/.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <mutex>

#include "perfgate/gtest/matchers.hpp"
#include "perfgate/gtest/suite.hpp"
#include "perfgate/http/flow.hpp"
#include "perfgate/pg/workload.hpp"
#include "perfgate/run/measure.hpp"

namespace perfgate::suites::database_throughput {
namespace {

using http::RequestSpec;

std::string scripts_dir() {
  const char* dir = std::getenv("PERFGATE_PG_SCRIPTS");
  return dir != nullptr && *dir != '\0' ? dir : PERFGATE_PG_SCRIPTS_DIR;
}

// Every scenario's workload, and the database itself, are checked before any load is sent.
void check_workload(const config::ScenarioConfig& sc, const config::Targets& targets) {
  static std::once_flag connected;
  std::call_once(connected, [&] { pg::check_connection(targets.require("pg").url); });
  if (sc.workload.empty()) return;  // a scenario driven over HTTP
  const std::string kind = config::parse_workload(sc, pg::workload_kind);
  if (kind == "transactions") {
    config::parse_workload(sc, [](const nlohmann::json& w) {
      return pg::parse_transaction_options(w, scripts_dir());
    });
  } else {
    config::parse_workload(sc, pg::parse_bulk_options);
  }
}

class DatabaseThroughput : public gtest::SuiteTest {
 protected:
  pg::TransactionOptions transaction_options(const std::string& name) const {
    return config::parse_workload(scenario(name), [](const nlohmann::json& w) {
      return pg::parse_transaction_options(w, scripts_dir());
    });
  }
  metrics::RunResult run_transactions(const std::string& name, const gtest::RunHooks& hooks = {}) {
    return run(
        name,
        [&] {
          return std::make_unique<pg::TransactionWorkload>(
              target("pg").url, transaction_options(name), scenario(name).request_timeout);
        },
        hooks);
  }
};

// Single-row INSERTs: TPS and transaction latency.
TEST_F(DatabaseThroughput, WriteThroughput) {
  EXPECT_MEETS_THRESHOLDS(run_transactions("write_throughput"));
}

// Point SELECTs by primary key: TPS and latency.
TEST_F(DatabaseThroughput, ReadThroughput) {
  EXPECT_MEETS_THRESHOLDS(run_transactions("read_throughput"));
}

// A TPC-B-like read/write mix by weights.
TEST_F(DatabaseThroughput, MixedOperations) {
  EXPECT_MEETS_THRESHOLDS(run_transactions("mixed_operations"));
}

// 1, 2, 4, ... clients: TPS per level, and the level after which adding clients stops paying
// (less than 10% more TPS), recorded as the counter scaling_stops_at_clients.
TEST_F(DatabaseThroughput, ConcurrentConnections) {
  const load::StagePlan& plan = scenario("concurrent_connections").load.plan;
  gtest::RunHooks hooks;
  hooks.annotate = [&plan](metrics::RunResult& r) {
    double previous_tps = 0;
    std::uint64_t previous_clients = 0, stops_at = 0;
    std::cout << "clients  TPS\n";
    for (std::size_t i = 0; i < plan.stages().size(); ++i) {
      const auto it = r.rates.find(fmt::format("throughput{{stage:{}}}", i + 1));
      if (it == r.rates.end()) continue;
      const auto clients = static_cast<std::uint64_t>(plan.stages()[i].target);
      const double tps = it->second.value();
      std::cout << fmt::format("{:>7}  {:.0f}\n", clients, tps);
      if (stops_at == 0 && previous_clients > 0 && tps < 1.1 * previous_tps)
        stops_at = previous_clients;
      previous_tps = tps;
      previous_clients = clients;
    }
    r.counters["scaling_stops_at_clients"] = stops_at != 0 ? stops_at : previous_clients;
  };
  EXPECT_MEETS_THRESHOLDS(run_transactions("concurrent_connections", hooks));
}

// The highest arrival rate of the read/insert mix at which every threshold holds (nightly: a
// capacity search; ci: one run at a fixed rate).
TEST_F(DatabaseThroughput, Capacity) { EXPECT_MEETS_THRESHOLDS(run_transactions("capacity")); }

// Open loop at a fixed fraction of the maximum TPS measured just before (pgbench -R): p99 latency
// from the scheduled start, schedule lag, and transactions over the latency limit.
TEST_F(DatabaseThroughput, LatencyUnderLoad) {
  const pg::TransactionOptions options = transaction_options("latency_under_load");
  ASSERT_GT(options.probe.clients, 0u) << "latency_under_load needs workload.probe";
  pg::TransactionWorkload probe_workload(target("pg").url, options,
                                         scenario("latency_under_load").request_timeout);
  load::LoadProfile probe;
  probe.plan = load::StagePlan::constant(options.probe.clients, options.probe.duration);
  probe.threads = 2;
  const metrics::RunResult measured =
      run::measure(probe_workload, probe, {.label = "database_throughput/probe"}).result;
  const double max_tps = measured.rates.at("throughput").value();
  ASSERT_GT(max_tps, 0) << "the probe completed no transaction";
  const double rate = max_tps * options.probe.rate_fraction;
  std::cout << fmt::format("probe: {:.0f} TPS with {} clients; running at {:.0f}/s\n", max_tps,
                           options.probe.clients, rate);
  gtest::RunHooks hooks;
  hooks.adjust_load = [rate](load::LoadProfile& p) {
    p.plan = load::StagePlan::constant(rate, p.plan.total());
  };
  hooks.load_note = {
      {"probe_tps", max_tps}, {"probe_clients", options.probe.clients}, {"rate_per_s", rate}};
  EXPECT_MEETS_THRESHOLDS(run_transactions("latency_under_load", hooks));
}

// COPY and multi-row INSERT of large batches: rows/s each.
TEST_F(DatabaseThroughput, BulkOperations) {
  const auto options = config::parse_workload(scenario("bulk_operations"), pg::parse_bulk_options);
  EXPECT_MEETS_THRESHOLDS(run("bulk_operations", [&] {
    return std::make_unique<pg::BulkWorkload>(target("pg").url, options);
  }));
}

// The same reads and writes through the reference service's /data endpoints (backed by the same
// database): the cost of the service layer, beside the raw figures above.
TEST_F(DatabaseThroughput, ServicePath) {
  if (gtest::suite().targets.find("http") == nullptr) {
    GTEST_SKIP()
        << "service_path needs an http target with /data endpoints (the reference service)";
  }
  http::Flow flow;
  flow.user_variables = [](std::uint64_t i) {
    return std::map<std::string, std::string>{{"doc_id", std::to_string(i % 10000 + 1)}};
  };
  flow.behaviours = {{"read", 80, {RequestSpec::get("/data/items/${doc_id}").named("read")}},
                     {"write",
                      20,
                      {RequestSpec::post("/data/items")
                           .named("write")
                           .json(R"({"name": "written by a virtual user"})")
                           .expect(201)
                           .capture("doc_id", "/id")}}};
  EXPECT_MEETS_THRESHOLDS(run("service_path", [&] {
    return std::make_unique<http::FlowWorkload>(url("http"), client_options("service_path", "http"),
                                                flow);
  }));
}

}  // namespace
}  // namespace perfgate::suites::database_throughput

PERFGATE_SUITE_MAIN_CHECKED("database_throughput",
                            perfgate::suites::database_throughput::check_workload, "pg")
