// perfgate/pg/workload.hpp - PostgreSQL as a load::Workload, with pgbench's rigour.
//
// Every virtual client owns one libpqxx connection and a thread that drives it (libpqxx objects
// are not thread-safe and its calls block); results are handed back to the client's worker thread,
// where they are recorded. Measured:
//   txn, txn{script:<name>}         one run of a script, first statement to last (pgbench's
//   latency) statement{script:<s>,step:<n>}  each SQL statement of a script connect opening a
//   connection (apart from transactions, as pgbench >= 14)
// Failures are counted by SQLSTATE class (`db_40` serialization, `db_08` connection, `db_57`
// operator intervention, ...); a lost connection is reopened at the client's next turn. Counters:
// `txn_retries` (serialization failures retried, as pgbench --max-tries), `reconnects`,
// `txn_late` (over the latency limit, as pgbench -L).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "perfgate/load/executor.hpp"
#include "perfgate/pg/script.hpp"

namespace perfgate::pg {

struct TransactionOptions {
  std::vector<Script> scripts;  // picked at random by weight for every transaction
  bool prepared = true;         // prepared statements (pgbench -M prepared); else simple protocol
  bool reconnect_each = false;  // a new connection per transaction (pgbench -C)
  std::uint32_t max_tries = 1;  // tries of a transaction that fails with 40001/40P01
  std::chrono::nanoseconds latency_limit{0};  // 0: none; else count slower ones in txn_late
  std::int64_t scale = 1;                     // :scale in scripts
  // latency_under_load: find the maximum TPS with `clients` for `duration` (closed loop), then run
  // open loop at `rate_fraction` of it. Unset when clients == 0.
  struct Probe {
    std::uint32_t clients = 0;
    std::chrono::nanoseconds duration{0};
    double rate_fraction = 0;
  } probe;
};

// A column a bulk load fills, and the values it gets: row i of a batch (from 0) gets
// `i` (kRow), the loading method's name, "copy" or "insert" (kMethod), or lo + i % (hi - lo + 1)
// (kRange: e.g. keys that exist in a referenced table).
struct BulkColumn {
  enum class Value { kRow, kMethod, kRange };
  std::string name;
  Value value = Value::kRow;
  std::int64_t lo = 0, hi = 0;
  std::string at(std::uint32_t row, const std::string& method) const {
    switch (value) {
      case Value::kRow:
        return std::to_string(row);
      case Value::kMethod:
        return method;
      case Value::kRange:
        return std::to_string(lo + static_cast<std::int64_t>(row) % (hi - lo + 1));
    }
    return {};
  }
};

inline constexpr std::size_t kMaxBulkColumns = 16;

struct BulkOptions {
  std::uint32_t rows = 1000;                           // rows per batch
  std::vector<std::string> methods{"copy", "insert"};  // COPY (stream_to) and multi-row INSERT
  std::string table;                                   // where batches load ("events")
  std::vector<BulkColumn> columns;                     // 1 to kMaxBulkColumns
};

// Parses the "workload" object of a database scenario (through core::JsonNode). Throws
// core::FieldError with the JSON path under the workload and what was expected.
//   {"kind": "transactions", "scripts": [{"name": "tpcb", "weight": 1, "file": "tpcb.sql"}],
//    "protocol": "prepared"|"simple", "reconnect": false, "max_tries": 1,
//    "latency_limit": "50ms", "scale": 1}
//   {"kind": "bulk", "rows": 1000, "methods": ["copy", "insert"], "table": "events",
//    "columns": {"account_id": "1..100000", "kind": "method", "amount": "row"}}
// Script files are read relative to `scripts_dir`.
std::string workload_kind(const nlohmann::json& workload);
TransactionOptions parse_transaction_options(const nlohmann::json& workload,
                                             const std::string& scripts_dir);
BulkOptions parse_bulk_options(const nlohmann::json& workload);

// Connects once with `conninfo` and runs SELECT 1. Throws core::Error with the reason (secrets
// removed) if that fails: a bad connection string must fail before any load.
void check_connection(const std::string& conninfo);

class TransactionWorkload final : public load::Workload {
 public:
  TransactionWorkload(std::string conninfo, TransactionOptions options,
                      std::chrono::nanoseconds statement_timeout);
  void declare(metrics::MetricSet& set) override;
  void declare_stages(metrics::MetricSet& set, std::size_t stages) override;  // connect{stage:<n>}
  load::OperationTags tags() const override;                                  // "script"
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

class BulkWorkload final : public load::Workload {
 public:
  BulkWorkload(std::string conninfo, BulkOptions options);
  void declare(metrics::MetricSet& set) override;
  load::OperationTags tags() const override;  // "method"
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace perfgate::pg
