// pg_test - Integration tests for lib/pg against a real, throwaway PostgreSQL cluster started by
// the test: transactions and per-statement figures, bulk loads, a server restarted in the middle of
// a run (errors counted by SQLSTATE class, the run goes on and ends on time), and a bad connection
// string failing clearly without its password.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "perfgate/pg/workload.hpp"
#include "process.hpp"

namespace perfgate::pg {
namespace {

using namespace std::chrono_literals;

class PgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir());
    const auto started =
        fixture("start", {std::string(PERFGATE_SOURCE_DIR) + "/fixtures/postgres", "1"});
    ASSERT_EQ(started.exit_code, 0) << started.output;
    std::ifstream in(*dir_ + "/conninfo");
    conninfo_ = new std::string;
    std::getline(in, *conninfo_);
  }
  static void TearDownTestSuite() {
    fixture("stop", {});
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete conninfo_;
  }
  static testing::ProgramResult fixture(const std::string& action, std::vector<std::string> args) {
    std::vector<std::string> argv{std::string(PERFGATE_SOURCE_DIR) + "/ctest/postgres-fixture.sh",
                                  action, *dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_program(argv, {});
  }
  static Script script(const std::string& name) {
    std::ifstream in(std::string(PERFGATE_SOURCE_DIR) + "/fixtures/postgres/scripts/" + name +
                     ".sql");
    std::stringstream text;
    text << in.rdbuf();
    return parse_script(text.str(), name);
  }
  static metrics::RunResult run(load::Workload& workload, load::LoadProfile profile) {
    metrics::MetricSet set;
    const auto outcome = load::run(workload, profile, set);
    metrics::RunResult r = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
    r.duration_s = outcome.duration_s;
    return r;
  }
  static std::string* dir_;
  static std::string* conninfo_;
};
std::string* PgTest::dir_ = nullptr;
std::string* PgTest::conninfo_ = nullptr;

TEST_F(PgTest, TransactionsRecordTxnAndEveryStatement) {
  for (bool prepared : {true, false}) {
    TransactionOptions o;
    o.scripts = {script("tpcb")};
    o.prepared = prepared;
    TransactionWorkload workload(*conninfo_, o, 10s);
    load::LoadProfile p;
    p.plan = load::StagePlan::constant(2, 60s);
    p.iterations = 100;
    p.threads = 1;
    const auto r = run(workload, p);
    EXPECT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
    EXPECT_EQ(r.histograms.at("txn").count(), 100u);
    EXPECT_EQ(r.histograms.at("txn{script:tpcb}").count(), 100u);
    for (int step = 1; step <= 7; ++step) {
      EXPECT_EQ(r.histograms.at("statement{script:tpcb,step:" + std::to_string(step) + "}").count(),
                100u)
          << step;
    }
    EXPECT_EQ(r.histograms.at("connect").count(), 2u);  // one connection per client, kept
  }
}

TEST_F(PgTest, BulkLoadsCountRowsPerMethod) {
  const BulkOptions o = parse_bulk_options(nlohmann::json::parse(R"j({
      "kind": "bulk", "rows": 500, "table": "events",
      "columns": {"account_id": "1..100000", "kind": "method", "amount": "row"}})j"));
  const auto count_rows = [](const std::string& where) {
    pqxx::connection conn(*conninfo_);
    pqxx::nontransaction tx(conn);
    return tx.exec("SELECT count(*) FROM events WHERE " + where)[0][0].as<std::uint64_t>();
  };
  const std::uint64_t copied_before = count_rows("kind = 'copy'");
  const std::uint64_t inserted_before = count_rows("kind = 'insert'");
  const std::string last_row = "amount = 499 AND account_id = 500";  // row 499 of a batch
  const std::uint64_t last_rows_before = count_rows(last_row);
  BulkWorkload workload(*conninfo_, o);  // client 0 loads by COPY, client 1 by multi-row INSERT
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(2, 1s);
  p.threads = 1;
  const auto r = run(workload, p);
  EXPECT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  const std::uint64_t copies = r.histograms.at("latency{method:copy}").count();
  const std::uint64_t inserts = r.histograms.at("latency{method:insert}").count();
  EXPECT_GT(copies, 0u);
  EXPECT_GT(inserts, 0u);
  EXPECT_EQ(r.counters.at("rows_loaded"), 500 * (copies + inserts));
  const auto copied = r.rates.at("row_throughput{method:copy}").numerator;  // rows, steady part
  EXPECT_EQ(static_cast<std::uint64_t>(copied) % 500, 0u);
  // The rows are in the table the options named, with the values each column was given.
  EXPECT_EQ(count_rows("kind = 'copy'") - copied_before, 500 * copies);
  EXPECT_EQ(count_rows("kind = 'insert'") - inserted_before, 500 * inserts);
  EXPECT_EQ(count_rows(last_row) - last_rows_before, copies + inserts);
}

// The restart begins 2 s in. On a busy machine (CI, or a build beside it) pg_ctl's stop and start
// under a storm of reconnects can take several seconds, so the run lasts 15 s and the test looks
// for completions in the seconds after the restart ended, wherever that fell.
TEST_F(PgTest, RestartMidRunIsCountedByClassAndTheRunGoesOn) {
  TransactionOptions o;
  o.scripts = {script("select_only")};
  TransactionWorkload workload(*conninfo_, o, 10s);
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(4, 15s);
  p.threads = 2;
  auto restart = std::async(std::launch::async, [] {
    std::this_thread::sleep_for(2s);
    return fixture("restart", {});
  });
  const auto r = run(workload, p);
  const auto restarted = restart.get();
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  SCOPED_TRACE(r.to_json()["errors"].dump() + ", completed " + std::to_string(r.completed));
  std::uint64_t connection_errors = 0;
  for (const auto& [kind, n] : r.errors) {
    EXPECT_TRUE(kind == "db_08" || kind == "db_57") << kind;  // connection, operator intervention
    connection_errors += n;
  }
  EXPECT_GT(connection_errors, 0u);
  EXPECT_GT(r.counters.at("reconnects"), 0u);
  // Transactions completed again after the restart: some second after the failures began has
  // completions and no failures.
  std::optional<std::size_t> first_failure, back;
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    if (!first_failure && r.series[i].failed > 0) first_failure = i;
    if (first_failure && i > *first_failure && r.series[i].failed == 0 &&
        r.series[i].completed > 0) {
      back = i;
      break;
    }
  }
  ASSERT_TRUE(first_failure.has_value());
  EXPECT_TRUE(back.has_value()) << "no second of clean completions after the restart";
  EXPECT_LT(r.duration_s, 30.0);  // the run ended on its own time, not hung on a dead connection
}

// Serializable transactions on one row: concurrent clients provoke 40001 serialization failures.
// Without retries they count as db_40; with max_tries they are retried and mostly succeed.
TEST_F(PgTest, SerializationFailuresAreCountedOrRetried) {
  const Script contended = parse_script(
      "BEGIN ISOLATION LEVEL SERIALIZABLE;\n"
      "SELECT bbalance FROM pgbench_branches WHERE bid = 1;\n"
      "UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1;\n"
      "END;\n",
      "contended");
  const auto run_with = [&](std::uint32_t max_tries) {
    TransactionOptions o;
    o.scripts = {contended};
    o.max_tries = max_tries;
    TransactionWorkload workload(*conninfo_, o, 10s);
    load::LoadProfile p;
    p.plan = load::StagePlan::constant(6, 2s);
    p.threads = 2;
    return run(workload, p);
  };
  const auto once = run_with(1);
  ASSERT_GT(once.errors.count("db_40"), 0u) << once.to_json()["errors"].dump();
  EXPECT_EQ(once.counters.at("txn_retries"), 0u);
  const auto retried = run_with(20);
  EXPECT_GT(retried.counters.at("txn_retries"), 0u);
  const double failed_once = static_cast<double>(once.failed) / static_cast<double>(once.attempted);
  const double failed_retried =
      static_cast<double>(retried.failed) / static_cast<double>(retried.attempted);
  EXPECT_LT(failed_retried, failed_once) << failed_retried << " vs " << failed_once;
}

// A client that cannot connect (here: a role limited to 2 connections, 5 clients) is seen: each
// failed attempt counts once, under its SQLSTATE class, in error_rate; in open loop each arrival
// without a connection fails once, not twice, and keeps its class (not "other"). libpq reports
// no SQLSTATE for a refused connection (the server's 53300 arrives as a message only), so the
// class is the client's own for a connection that could not be made: 08 (08001).
TEST_F(PgTest, ConnectionFailuresCountOnceUnderTheirClass) {
  {
    pqxx::connection admin(*conninfo_);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP ROLE IF EXISTS limited_app");
    tx.exec("CREATE ROLE limited_app LOGIN PASSWORD 'limited-pw' CONNECTION LIMIT 2");
    tx.exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO limited_app");
  }
  const std::string limited = std::regex_replace(*conninfo_, std::regex(R"(user=\S+ password=\S+)"),
                                                 "user=limited_app password=limited-pw");
  TransactionOptions o;
  o.scripts = {script("select_only")};
  {
    TransactionWorkload workload(limited, o, 10s);
    load::LoadProfile p;
    p.plan = load::StagePlan::constant(5, 2s);
    p.threads = 1;
    const auto r = run(workload, p);
    ASSERT_TRUE(r.histograms.count("txn")) << r.to_json()["errors"].dump();
    ASSERT_GT(r.histograms.at("txn").count(), 0u);  // the two connected clients ran
    ASSERT_EQ(r.errors.size(), 1u) << r.to_json()["errors"].dump();
    ASSERT_TRUE(r.errors.count("db_08")) << r.to_json()["errors"].dump();
    EXPECT_GT(r.errors.at("db_08"), 0u);
    EXPECT_EQ(r.failed, r.errors.at("db_08"));
    EXPECT_GT(r.rates.at("error_rate").value(), 0.0);
  }
  {
    // Each transaction holds its connection 200 ms: 20 arrivals a second need 4 at once.
    TransactionOptions slow;
    slow.scripts = {parse_script("SELECT pg_sleep(0.2);\n", "slow")};
    TransactionWorkload workload(limited, slow, 10s);
    load::LoadProfile p;
    p.kind = load::ExecutorKind::kOpenLoop;
    p.plan = load::StagePlan::constant(20, 2s);  // 40 arrivals
    p.max_in_flight = 5;
    p.threads = 1;
    const auto r = run(workload, p);
    EXPECT_EQ(r.attempted, 40u) << r.to_json()["errors"].dump();
    EXPECT_EQ(r.completed + r.failed, 40u);
    EXPECT_GT(r.failed, 0u);
    for (const auto& [kind, n] : r.errors) EXPECT_EQ(kind, "db_08") << n;
  }
}

// With max_tries, txn is the time of every try, as pgbench reports it: a transaction that fails
// twice (40001) after 50 ms and succeeds on its third try took at least 150 ms.
TEST_F(PgTest, TxnOfARetriedTransactionIncludesEveryTry) {
  {
    pqxx::connection admin(*conninfo_);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP SEQUENCE IF EXISTS tries; CREATE SEQUENCE tries");
    tx.exec(R"sql(CREATE OR REPLACE FUNCTION fail_twice() RETURNS int AS $$
      BEGIN
        -- nextval is not rolled back: tries 1 and 2 of each transaction fail, the third holds
        IF nextval('tries') % 3 <> 0 THEN
          RAISE EXCEPTION 'try again' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN 1;
      END $$ LANGUAGE plpgsql)sql");
  }
  TransactionOptions o;
  o.scripts = {
      parse_script("BEGIN;\nSELECT pg_sleep(0.05);\nSELECT fail_twice();\nEND;\n", "thrice")};
  o.max_tries = 3;
  TransactionWorkload workload(*conninfo_, o, 10s);
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(1, 60s);
  p.iterations = 4;
  p.threads = 1;
  const auto r = run(workload, p);
  ASSERT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  EXPECT_EQ(r.counters.at("txn_retries"), 8u);
  EXPECT_EQ(r.histograms.at("txn").count(), 4u);
  EXPECT_GE(r.histograms.at("txn").min(), 150'000'000);
}

TEST_F(PgTest, BadConnectionStringFailsClearlyWithoutItsPassword) {
  const std::string bad =
      "host=127.0.0.1 port=1 dbname=x user=y password=hunter2-secret connect_timeout=2";
  try {
    check_connection(bad);
    FAIL();
  } catch (const core::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cannot connect to the database"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2-secret"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace perfgate::pg
