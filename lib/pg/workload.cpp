// workload.cpp - PostgreSQL virtual clients: a thread and a libpqxx connection each.
#include "perfgate/pg/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "perfgate/core/clock.hpp"
#include "perfgate/core/json_node.hpp"
#include "perfgate/core/redact.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/metrics/catalog.hpp"
#include "perfgate/pg/sqlstate.hpp"

namespace perfgate::pg {

using core::SteadyClock;
using metrics::ErrorKind;
using nlohmann::json;

namespace {

// A thread that runs jobs in order: the only thread that touches its client's connection.
class ClientThread {
 public:
  ClientThread() : thread_([this] { loop(); }) {}
  ~ClientThread() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

// What a job came to, recorded on the worker thread.
struct Outcome {
  std::string sqlstate;  // of the failure, when it failed ("" for a failure without one)
  bool failed = false;
  std::optional<std::chrono::nanoseconds> connect;
  bool reconnected = false;
  std::chrono::nanoseconds txn{0};
  std::vector<std::chrono::nanoseconds> statements;
  std::uint32_t retries = 0;
  std::uint64_t rows = 0;
  std::string detail;
};

std::string with_timeouts(const std::string& conninfo) {
  // A server that does not answer must not hold a client forever.
  return conninfo.find("connect_timeout") == std::string::npos ? conninfo + " connect_timeout=5"
                                                               : conninfo;
}

// A connection opened on demand and dropped after a failure; lives on its client's thread.
class ClientConnection {
 public:
  explicit ClientConnection(std::string conninfo) : conninfo_(with_timeouts(conninfo)) {}

  // Opens the connection if needed; returns how long opening took, if it did.
  std::optional<std::chrono::nanoseconds> ensure(std::chrono::nanoseconds statement_timeout) {
    if (conn_ && conn_->is_open()) return std::nullopt;
    conn_.reset();
    const auto start = SteadyClock::now();
    auto conn = std::make_unique<pqxx::connection>(conninfo_);
    if (statement_timeout.count() > 0) {
      pqxx::nontransaction setup(*conn);
      setup.exec(fmt::format(
          "SET statement_timeout = {}",
          std::chrono::duration_cast<std::chrono::milliseconds>(statement_timeout).count()));
    }
    prepared_.clear();
    conn_ = std::move(conn);
    return SteadyClock::now() - start;
  }
  pqxx::connection& get() { return *conn_; }
  void drop() { conn_.reset(); }
  bool prepare_once(const std::string& name, const std::string& sql) {
    if (!prepared_.insert(name).second) return false;
    conn_->prepare(name, sql);
    return true;
  }
  void cancel_query() {
    std::lock_guard lock(cancel_mutex_);
    if (conn_) {
      try {
        conn_->cancel_query();
      } catch (const std::exception&) {
      }
    }
  }

 private:
  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
  std::set<std::string> prepared_;
  std::mutex cancel_mutex_;
};

// The SQLSTATE of a libpqxx exception. libpqxx 6 does not derive every server error from
// sql_error: transaction_rollback (40001 serialization, 40P01 deadlock, 40003) and
// too_many_connections (53300) come from other branches, and carry no sqlstate().
std::string sqlstate_of(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) return "40000";
  if (dynamic_cast<const pqxx::too_many_connections*>(&e) != nullptr) return "53300";
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return "08000";
  return "";
}

// What `out` counts as: kNone, or its SQLSTATE's class.
ErrorKind kind_of(const Outcome& out, const SqlStateKinds& kinds) {
  return out.failed ? kinds.of(out.sqlstate) : ErrorKind::kNone;
}

// Notes the failure `e` in `out`.
void fail(Outcome& out, const std::exception& e) {
  out.failed = true;
  out.sqlstate = sqlstate_of(e);
  out.detail = core::redact(e.what());
}

// Writes one COPY row of `row.size()` text values. libpqxx 6's stream_to takes tuple-like rows
// only, so a row of N columns goes as a std::array<std::string, N>, N up to kMaxBulkColumns.
template <std::size_t... N>
void write_copy_row(pqxx::stream_to& stream, const std::vector<std::string>& row,
                    std::index_sequence<N...>) {
  const auto as_array = [&]<std::size_t Size>() {
    std::array<std::string, Size> values;
    std::copy_n(row.begin(), Size, values.begin());
    stream << values;
    return true;
  };
  ((row.size() == N + 1 && as_array.template operator()<N + 1>()) || ...);
}
void write_copy_row(pqxx::stream_to& stream, const std::vector<std::string>& row) {
  write_copy_row(stream, row, std::make_index_sequence<kMaxBulkColumns>());
}

// Serialization failures and deadlocks: pgbench --max-tries retries exactly these.
bool retriable(const std::exception& e) {
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
    return true;
  }
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && (sql->sqlstate() == "40001" || sql->sqlstate() == "40P01");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::Error("cannot read script file " + path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

}  // namespace

namespace {

// The workload's kind, after checking it is an object with one.
std::string kind_of(const core::JsonNode& w) {
  w.expect_object("a workload");
  return w.one_of("kind", {"transactions", "bulk"});
}

// A table or column name: letters, digits and '_', not starting with a digit; a table may be
// schema-qualified. Checked, not quoted, because it is written into SQL as it is.
bool is_identifier(std::string_view name, bool qualified) {
  const auto part = [](std::string_view p) {
    return !p.empty() && (std::isalpha(static_cast<unsigned char>(p[0])) != 0 || p[0] == '_') &&
           std::all_of(p.begin(), p.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
           });
  };
  const auto dot = name.find('.');
  if (dot == std::string_view::npos || !qualified) return part(name);
  return part(name.substr(0, dot)) && part(name.substr(dot + 1));
}

BulkColumn parse_column(const core::JsonNode& node, const std::string& name) {
  if (!is_identifier(name, false))
    node.fail("expected a column name (letters, digits and '_'), got '" + name + "'");
  const std::string value =
      node.string("\"row\", \"method\" or a range like \"1..100000\" (the column's values)");
  BulkColumn c{.name = name};
  if (value == "row") {
    c.value = BulkColumn::Value::kRow;
  } else if (value == "method") {
    c.value = BulkColumn::Value::kMethod;
  } else {
    const auto dots = value.find("..");
    std::int64_t lo = 0, hi = 0;
    const auto parse = [](std::string_view text, std::int64_t& out) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      return ec == std::errc() && end == text.data() + text.size();
    };
    if (dots == std::string::npos || !parse(std::string_view(value).substr(0, dots), lo) ||
        !parse(std::string_view(value).substr(dots + 2), hi) || lo > hi) {
      node.fail("expected \"row\", \"method\" or a range like \"1..100000\", got \"" + value +
                "\"");
    }
    c.value = BulkColumn::Value::kRange;
    c.lo = lo;
    c.hi = hi;
  }
  return c;
}

}  // namespace

std::string workload_kind(const json& w) { return kind_of(core::JsonNode(w)); }

TransactionOptions parse_transaction_options(const json& doc, const std::string& scripts_dir) {
  const core::JsonNode w(doc);
  kind_of(w);
  w.only_keys(
      {"kind", "scripts", "protocol", "reconnect", "max_tries", "latency_limit", "probe", "scale"});
  TransactionOptions o;
  if (!w.has("scripts")) w.fail("expected \"scripts\": at least one script");
  const core::JsonNode scripts = w.child("scripts");
  scripts.expect_array("a non-empty array of scripts", true);
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    const core::JsonNode s = scripts.element(i);
    s.expect_object("{\"name\": ..., \"file\": ..., \"weight\": ...}");
    s.only_keys({"name", "file", "weight"});
    if (!s.has("name") || !s.has("file")) s.fail("expected {\"name\": ..., \"file\": ...}");
    const std::string name = s.child("name").string("the script's name");
    const std::string file = s.child("file").string("the script's file");
    const double weight = s.has("weight") ? s.child("weight").number("a weight") : 1.0;
    try {
      o.scripts.push_back(parse_script(read_text(scripts_dir + "/" + file), name, weight));
    } catch (const core::Error& e) {
      s.fail(e.what());
    }
  }
  o.prepared = w.one_of("protocol", {"prepared", "simple"}, "prepared") == "prepared";
  o.reconnect_each = w.bool_or("reconnect", false);
  o.max_tries = w.count_or("max_tries", 1, 100);
  if (o.max_tries == 0) w.child("max_tries").fail("expected a whole number from 1 to 100");
  o.latency_limit = w.duration_or("latency_limit", {});
  if (w.has("probe")) {
    const core::JsonNode probe = w.child("probe");
    const auto bad = [&probe]() {
      probe.fail("expected {\"clients\": N, \"duration\": \"3s\", \"rate_fraction\": 0.5}");
    };
    if (!probe.value().is_object() || !probe.has("clients") || !probe.has("duration") ||
        !probe.has("rate_fraction")) {
      bad();
    }
    probe.only_keys({"clients", "duration", "rate_fraction"});
    o.probe.clients = probe.count_or("clients", 0, 100'000);
    o.probe.duration = probe.duration_or("duration", {});
    o.probe.rate_fraction = probe.child("rate_fraction").number("a fraction from 0 to 1");
    if (o.probe.clients == 0 || !(o.probe.rate_fraction > 0 && o.probe.rate_fraction <= 1) ||
        o.probe.duration.count() <= 0) {
      bad();
    }
  }
  if (w.has("scale")) {
    o.scale = static_cast<std::int64_t>(
        w.child("scale").whole_number("the scale (pgbench -s)", 1'000'000));
    if (o.scale == 0) w.child("scale").fail("expected a whole number above 0");
  }
  return o;
}

BulkOptions parse_bulk_options(const json& doc) {
  const core::JsonNode w(doc);
  kind_of(w);
  w.only_keys({"kind", "rows", "methods", "table", "columns"});
  BulkOptions o;
  o.rows = w.count_or("rows", o.rows, 1'000'000);
  if (o.rows == 0) w.child("rows").fail("expected a whole number from 1 to 1000000");
  o.methods =
      w.strings_or("methods", std::move(o.methods),
                   {.array = "[\"copy\", \"insert\"] or one of them",
                    .element = "\"copy\" or \"insert\"",
                    .valid = [](std::string_view m) { return m == "copy" || m == "insert"; }});
  if (!w.has("table") || !w.has("columns"))
    w.fail("expected \"table\" and \"columns\": where the batches load, and each column's values");
  o.table = w.child("table").string("a table name");
  if (!is_identifier(o.table, true))
    w.child("table").fail("expected a table name (letters, digits, '_', one optional '.')");
  const core::JsonNode columns = w.child("columns");
  columns.expect_object("{\"<column>\": \"row\" | \"method\" | \"<lo>..<hi>\", ...}");
  if (columns.size() == 0 || columns.size() > kMaxBulkColumns)
    columns.fail(fmt::format("expected 1 to {} columns", kMaxBulkColumns));
  for (const auto& [name, _] : columns.value().items())
    o.columns.push_back(parse_column(columns.child(name), name));
  return o;
}

void check_connection(const std::string& conninfo) {
  try {
    pqxx::connection conn(with_timeouts(conninfo));
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT 1");
  } catch (const std::exception& e) {
    throw core::Error("cannot connect to the database (" + core::redact(conninfo) +
                      "): " + core::redact(e.what()));
  }
}

// ---- transactions ----

struct TransactionWorkload::Shared {
  std::string conninfo;
  TransactionOptions options;
  std::chrono::nanoseconds statement_timeout{0};
  std::vector<double> cumulative_weights;
  metrics::MetricId txn = 0, connect = 0;
  std::vector<metrics::MetricId> connect_by_stage;
  std::vector<metrics::MetricId> txn_by_script;
  std::vector<std::vector<metrics::MetricId>> statement_ids;  // by script, by statement
  metrics::CounterId retries = 0, reconnects = 0, late = 0;
  SqlStateKinds error_kinds;
};

namespace {

class TransactionClient final : public load::UserOf<TransactionWorkload::Shared> {
 public:
  using UserOf::UserOf;
  ~TransactionClient() override { thread_.reset(); }  // joins before the connection goes

  void iterate(load::Completion done) override {
    const double r = std::uniform_real_distribution<double>(0, s_->cumulative_weights.back())(rng_);
    std::size_t script = 0;
    while (script + 1 < s_->cumulative_weights.size() && r >= s_->cumulative_weights[script])
      ++script;
    thread_->post([this, script, done = std::move(done)]() mutable {
      Outcome outcome = run(script);
      boost::asio::post(ctx_.io,
                        [this, script, outcome = std::move(outcome), done = std::move(done)] {
                          record(script, outcome);
                          done({.error = kind_of(outcome, s_->error_kinds),
                                .tag = static_cast<std::uint16_t>(script)});
                        });
    });
  }

  // Opens the connection (counted in `connect`, not as a transaction), so that a run whose slots
  // start before the clock (prestart) measures transactions only, as pgbench does.
  void start(load::Completion done) override {
    thread_->post([this, done = std::move(done)]() mutable {
      Outcome out;
      try {
        out.connect = connection_.ensure(s_->statement_timeout);
        opened_once_ = true;
      } catch (const std::exception& e) {
        fail(out, e);
      }
      boost::asio::post(ctx_.io, [this, out = std::move(out), done = std::move(done)] {
        if (out.connect) record_connect(*out.connect);
        // Connecting is set-up, timed in `connect`, not an operation; a failed attempt is one,
        // under its SQLSTATE class (db_08: libpq gives a refused connection no SQLSTATE of the
        // server's), so that clients that never get a connection show in error_rate instead of
        // silently not running.
        done({.error = kind_of(out, s_->error_kinds), .counted = out.failed});
      });
    });
  }

  void cancel() override { connection_.cancel_query(); }

 private:
  // On the client's thread.
  Outcome run(std::size_t script_index) {
    const Script& script = s_->options.scripts[script_index];
    Outcome out;
    if (s_->options.reconnect_each) connection_.drop();
    const std::mt19937_64 rng_at_start = rng_;
    // txn runs from the first try's start: as pgbench reports it, a transaction that needed
    // three tries took the time of all three (and their rollbacks).
    std::optional<SteadyClock::time_point> first_try;
    for (std::uint32_t attempt = 1;; ++attempt) {
      out.statements.clear();
      out.failed = false;
      try {
        const bool was_open = opened_once_;
        if (auto took = connection_.ensure(s_->statement_timeout)) {
          out.connect = took;
          out.reconnected = was_open;
          opened_once_ = true;
        }
        if (!first_try) first_try = SteadyClock::now();
        execute(script, script_index, out);
        out.txn = SteadyClock::now() - *first_try;
        return out;
      } catch (const std::exception& e) {
        fail(out, e);
        if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
          connection_.drop();
          return out;
        }
        rollback();
        if (!retriable(e) || attempt >= s_->options.max_tries) return out;
        ++out.retries;
        rng_ = rng_at_start;  // a retry repeats the same transaction, as pgbench does
      }
    }
  }

  void execute(const Script& script, std::size_t script_index, Outcome& out) {
    Values values{{"scale", s_->options.scale}, {"client_id", static_cast<std::int64_t>(index_)}};
    pqxx::nontransaction tx(connection_.get());
    for (std::size_t step = 0; step < script.steps.size(); ++step) {
      if (const auto* set = std::get_if<SetCommand>(&script.steps[step].command)) {
        values[set->variable] = evaluate(set->expr, values, rng_);
        continue;
      }
      const auto& sql = std::get<SqlCommand>(script.steps[step].command);
      std::vector<std::string> params;
      for (const std::string& p : sql.parameters) params.push_back(std::to_string(values.at(p)));
      const auto start = SteadyClock::now();
      if (s_->options.prepared) {
        const std::string name = fmt::format("s{}_{}", script_index, step);
        connection_.prepare_once(name, sql.parameterised);
        tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params));
      } else {
        std::string text = sql.parameterised;
        for (std::size_t i = params.size(); i-- > 0;) {  // $10 before $1
          const std::string marker = "$" + std::to_string(i + 1);
          for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
            text.replace(at, marker.size(), params[i]);
          }
        }
        tx.exec(text);
      }
      out.statements.push_back(SteadyClock::now() - start);
    }
  }

  void rollback() {
    try {
      pqxx::nontransaction tx(connection_.get());
      tx.exec("ROLLBACK");
    } catch (const std::exception&) {
      connection_.drop();
    }
  }

  // On the worker thread.
  void record_connect(std::chrono::nanoseconds took) {
    ctx_.recorder.record(s_->connect, took.count());
    if (!s_->connect_by_stage.empty() && ctx_.stage_at) {
      const std::size_t stage =
          std::min(ctx_.stage_at(SteadyClock::now()), s_->connect_by_stage.size());
      ctx_.recorder.record(s_->connect_by_stage[stage - 1], took.count());
    }
  }

  void record(std::size_t script, const Outcome& out) {
    auto& r = ctx_.recorder;
    if (out.connect) record_connect(*out.connect);
    if (out.reconnected) r.add(s_->reconnects);
    r.add(s_->retries, out.retries);
    if (out.failed) return;
    r.record(s_->txn, out.txn.count());
    r.record(s_->txn_by_script[script], out.txn.count());
    const auto& ids = s_->statement_ids[script];
    for (std::size_t i = 0; i < out.statements.size() && i < ids.size(); ++i)
      r.record(ids[i], out.statements[i].count());
    if (s_->options.latency_limit.count() > 0 && out.txn > s_->options.latency_limit)
      r.add(s_->late);
  }

  ClientConnection connection_{s_->conninfo};
  std::mt19937_64 rng_{index_ * 6364136223846793005ULL + 1};
  bool opened_once_ = false;
  std::unique_ptr<ClientThread> thread_ = std::make_unique<ClientThread>();
};

}  // namespace

TransactionWorkload::TransactionWorkload(std::string conninfo, TransactionOptions options,
                                         std::chrono::nanoseconds statement_timeout)
    : shared_(std::make_shared<Shared>()) {
  shared_->conninfo = std::move(conninfo);
  double total = 0;
  for (const Script& s : options.scripts) shared_->cumulative_weights.push_back(total += s.weight);
  shared_->options = std::move(options);
  shared_->statement_timeout = statement_timeout;
}

void TransactionWorkload::declare_stages(metrics::MetricSet& set, std::size_t stages) {
  shared_->connect_by_stage.clear();
  for (std::size_t s = 1; s <= stages; ++s) {
    shared_->connect_by_stage.push_back(
        set.histogram(metrics::tagged("connect", "stage", std::to_string(s))));
  }
}

void TransactionWorkload::declare(metrics::MetricSet& set) {
  Shared& s = *shared_;
  s.txn = set.histogram("txn");
  s.connect = set.histogram("connect");
  s.txn_by_script.clear();
  s.statement_ids.clear();
  for (const Script& script : s.options.scripts) {
    s.txn_by_script.push_back(set.histogram(metrics::tagged("txn", "script", script.name)));
    std::vector<metrics::MetricId> ids;
    for (std::size_t i = 1; i <= script.statements(); ++i) {
      ids.push_back(set.histogram(fmt::format("statement{{script:{},step:{}}}", script.name, i)));
    }
    s.statement_ids.push_back(std::move(ids));
  }
  s.retries = set.counter("txn_retries");
  s.reconnects = set.counter("reconnects");
  s.late = set.counter("txn_late");
  s.error_kinds.declare(set);
}

load::OperationTags TransactionWorkload::tags() const {
  load::OperationTags tags{.key = "script", .values = {}};
  for (const Script& s : shared_->options.scripts) tags.values.push_back(s.name);
  return tags;
}

std::unique_ptr<load::VirtualUser> TransactionWorkload::make_user(load::WorkerContext& ctx,
                                                                  std::uint64_t user_index) {
  return std::make_unique<TransactionClient>(ctx, shared_, user_index);
}

// ---- bulk loading ----

struct BulkWorkload::Shared {
  std::string conninfo;
  BulkOptions options;
  std::vector<metrics::CounterId> rows_steady;  // by method: steady rate row_throughput{method:...}
  metrics::CounterId rows_total = 0;
  SqlStateKinds error_kinds;
};

namespace {

class BulkClient final : public load::UserOf<BulkWorkload::Shared> {
 public:
  using UserOf::UserOf;
  ~BulkClient() override { thread_.reset(); }

  void iterate(load::Completion done) override {
    const std::size_t method = method_;
    const core::TimePoint started = ctx_.operation_start;  // rows count by the batch's start
    thread_->post([this, method, started, done = std::move(done)]() mutable {
      Outcome out = load_batch(s_->options.methods[method]);
      boost::asio::post(ctx_.io, [this, method, started, out = std::move(out),
                                  done = std::move(done)] {
        if (!out.failed) {
          ctx_.recorder.add(s_->rows_total, out.rows);
          if (ctx_.is_steady && ctx_.is_steady(started))
            ctx_.recorder.add(s_->rows_steady[method], out.rows);
        }
        done({.error = kind_of(out, s_->error_kinds), .tag = static_cast<std::uint16_t>(method)});
      });
    });
  }

  void cancel() override { connection_.cancel_query(); }

 private:
  Outcome load_batch(const std::string& method) {
    Outcome out;
    try {
      connection_.ensure(std::chrono::nanoseconds(0));
      pqxx::work tx(connection_.get());
      const BulkOptions& o = s_->options;
      std::vector<std::string> row(o.columns.size());
      const auto fill = [&](std::uint32_t i) {
        for (std::size_t c = 0; c < o.columns.size(); ++c) row[c] = o.columns[c].at(i, method);
      };
      if (method == "copy") {
        std::vector<std::string> names;
        for (const BulkColumn& c : o.columns) names.push_back(c.name);
        pqxx::stream_to stream(tx, o.table, names);
        for (std::uint32_t i = 0; i < o.rows; ++i) {
          fill(i);
          write_copy_row(stream, row);
        }
        stream.complete();
      } else {
        std::string columns;
        for (const BulkColumn& c : o.columns) columns += (columns.empty() ? "" : ", ") + c.name;
        std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", o.table, columns);
        sql.reserve(sql.size() + o.rows * 8 * o.columns.size());
        for (std::uint32_t i = 0; i < o.rows; ++i) {
          fill(i);
          sql += i ? ",(" : "(";
          for (std::size_t c = 0; c < row.size(); ++c) {
            if (c) sql += ',';
            // Every value is digits or a method's name: a literal needs no escaping.
            sql += o.columns[c].value == BulkColumn::Value::kMethod ? "'" + row[c] + "'" : row[c];
          }
          sql += ')';
        }
        tx.exec(sql);
      }
      tx.commit();
      out.rows = o.rows;
    } catch (const std::exception& e) {
      fail(out, e);
      connection_.drop();
    }
    return out;
  }

  ClientConnection connection_{s_->conninfo};
  // Client i always loads with methods[i % n], so each method's rows/s is its own.
  const std::size_t method_ = index_ % s_->options.methods.size();
  std::unique_ptr<ClientThread> thread_ = std::make_unique<ClientThread>();
};

}  // namespace

BulkWorkload::BulkWorkload(std::string conninfo, BulkOptions options)
    : shared_(std::make_shared<Shared>()) {
  shared_->conninfo = std::move(conninfo);
  shared_->options = std::move(options);
}

void BulkWorkload::declare(metrics::MetricSet& set) {
  shared_->rows_steady.clear();
  for (const std::string& m : shared_->options.methods) {
    shared_->rows_steady.push_back(set.steady_rate(metrics::tagged("row_throughput", "method", m)));
  }
  shared_->rows_total = set.counter("rows_loaded");
  shared_->error_kinds.declare(set);
}

load::OperationTags BulkWorkload::tags() const { return {"method", shared_->options.methods}; }

std::unique_ptr<load::VirtualUser> BulkWorkload::make_user(load::WorkerContext& ctx,
                                                           std::uint64_t user_index) {
  return std::make_unique<BulkClient>(ctx, shared_, user_index);
}

}  // namespace perfgate::pg
