// options_test - A database scenario's "workload" object: what parses, and where a bad one fails.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "perfgate/core/error.hpp"
#include "perfgate/pg/workload.hpp"

namespace perfgate::pg {
namespace {

using nlohmann::json;

// The JSON path and expectation of the error `parse` throws for `text`.
template <class Parse>
std::string error_of(Parse parse, const std::string& text) {
  try {
    parse(json::parse(text));
  } catch (const core::FieldError& e) {
    return e.path() + ": " + e.expectation();
  }
  return "parsed";
}

TEST(BulkOptionsTest, TableAndColumnsComeFromTheOptions) {
  const BulkOptions o = parse_bulk_options(json::parse(R"j({
      "kind": "bulk", "rows": 10, "methods": ["copy"], "table": "audit.entries",
      "columns": {"id": "row", "source": "method", "account": "5..7"}})j"));
  EXPECT_EQ(o.rows, 10u);
  EXPECT_EQ(o.table, "audit.entries");
  ASSERT_EQ(o.columns.size(), 3u);
  // Object keys come in name order.
  EXPECT_EQ(o.columns[0].name, "account");
  EXPECT_EQ(o.columns[0].at(0, "copy"), "5");
  EXPECT_EQ(o.columns[0].at(4, "copy"), "6");  // 5 + 4 % 3
  EXPECT_EQ(o.columns[1].name, "id");
  EXPECT_EQ(o.columns[1].at(9, "copy"), "9");
  EXPECT_EQ(o.columns[2].name, "source");
  EXPECT_EQ(o.columns[2].at(9, "insert"), "insert");
}

TEST(BulkOptionsTest, BadOptionsNameTheirPath) {
  const auto bulk = [](const std::string& text) { return error_of(parse_bulk_options, text); };
  EXPECT_EQ(bulk(R"({"kind": "bulk", "rows": 10})"),
            ": expected \"table\" and \"columns\": where the batches load, and each column's "
            "values");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "table": "events; DROP TABLE x", "columns": {"a": "row"}})"),
            "/table: expected a table name (letters, digits, '_', one optional '.')");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "table": "events", "columns": {"a b": "row"}})"),
            "/columns/a b: expected a column name (letters, digits and '_'), got 'a b'");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "table": "events", "columns": {"a": "9..1"}})"),
            "/columns/a: expected \"row\", \"method\" or a range like \"1..100000\", got \"9..1\"");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "table": "events", "columns": {}})"),
            "/columns: expected 1 to 16 columns");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "table": "events", "columns": {"a": "row"}, "rowz": 1})"),
            "/rowz: unknown key 'rowz' (expected one of: kind, rows, methods, table, columns)");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "methods": ["copy", "upsert"]})"),
            "/methods/1: expected \"copy\" or \"insert\", got \"upsert\"");
  EXPECT_EQ(bulk(R"({"kind": "bulk", "rows": 0})"),
            "/rows: expected a whole number from 1 to 1000000");
  EXPECT_EQ(bulk(R"([1])"), ": expected a workload (a JSON object), got [1]");
}

TEST(TransactionOptionsTest, BadOptionsNameTheirPath) {
  const auto txn = [](const std::string& text) {
    return error_of([](const json& w) { return parse_transaction_options(w, "/nonexistent"); },
                    text);
  };
  EXPECT_EQ(txn(R"({"kind": "transactions"})"), ": expected \"scripts\": at least one script");
  EXPECT_EQ(txn(R"({"kind": "transactions", "scripts": []})"),
            "/scripts: expected a non-empty array of scripts, got []");
  EXPECT_EQ(txn(R"({"kind": "transactions", "scripts": [{"name": "a"}]})"),
            "/scripts/0: expected {\"name\": ..., \"file\": ...}");
  EXPECT_EQ(txn(R"({"kind": "transactions", "scripts": [{"name": "a", "file": "a.sql"}]})"),
            "/scripts/0: cannot read script file /nonexistent/a.sql");
  EXPECT_EQ(txn(R"({"kind": "transactions", "scripts": [], "protocol": "x"})"),
            "/scripts: expected a non-empty array of scripts, got []");
  EXPECT_EQ(txn(R"({"kind": "transactions", "probe": {"clients": 4}})"),
            ": expected \"scripts\": at least one script");
  EXPECT_EQ(txn(R"({"kind": "olap"})"),
            "/kind: expected \"transactions\" or \"bulk\", got \"olap\"");
}

}  // namespace
}  // namespace perfgate::pg
