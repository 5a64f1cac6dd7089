// workload.cpp - PostgreSQL virtual clients: a thread and a libpqxx connection each.
#include "perfgate/pg/workload.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
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

std::string workload_kind(const json& w) {
  if (!w.is_object() || !w.contains("kind") || !w["kind"].is_string() ||
      (w["kind"] != "transactions" && w["kind"] != "bulk")) {
    throw core::FieldError("/kind", "expected \"transactions\" or \"bulk\"");
  }
  return w["kind"].get<std::string>();
}

TransactionOptions parse_transaction_options(const json& w, const std::string& scripts_dir) {
  workload_kind(w);
  TransactionOptions o;
  for (const auto& [key, value] : w.items()) {
    if (key == "kind") continue;
    if (key == "scripts") {
      if (!value.is_array() || value.empty())
        throw core::FieldError("/scripts", "expected a non-empty array of scripts");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const json& s = value[i];
        const std::string at = "/scripts/" + std::to_string(i);
        if (!s.is_object() || !s.contains("name") || !s["name"].is_string() ||
            !s.contains("file") || !s["file"].is_string()) {
          throw core::FieldError(at, "expected {\"name\": ..., \"file\": ..., \"weight\": ...}");
        }
        const double weight = s.value("weight", 1.0);
        try {
          o.scripts.push_back(
              parse_script(read_text(scripts_dir + "/" + s["file"].get<std::string>()),
                           s["name"].get<std::string>(), weight));
        } catch (const core::Error& e) {
          throw core::FieldError(at, e.what());
        }
      }
    } else if (key == "protocol") {
      if (value != "prepared" && value != "simple")
        throw core::FieldError("/protocol", "expected \"prepared\" or \"simple\"");
      o.prepared = value == "prepared";
    } else if (key == "reconnect") {
      if (!value.is_boolean()) throw core::FieldError("/reconnect", "expected true or false");
      o.reconnect_each = value.get<bool>();
    } else if (key == "max_tries") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > 100) {
        throw core::FieldError("/max_tries", "expected a whole number from 1 to 100");
      }
      o.max_tries = value.get<std::uint32_t>();
    } else if (key == "latency_limit") {
      try {
        o.latency_limit =
            core::parse_duration(value.is_string() ? value.get<std::string>() : value.dump());
      } catch (const core::UnitError& e) {
        throw core::FieldError("/latency_limit", e.what());
      }
    } else if (key == "probe") {
      const auto bad = [] {
        return core::FieldError(
            "/probe", "expected {\"clients\": N, \"duration\": \"3s\", \"rate_fraction\": 0.5}");
      };
      if (!value.is_object() || !value.contains("clients") ||
          !value["clients"].is_number_unsigned() || !value.contains("duration") ||
          !value["duration"].is_string() || !value.contains("rate_fraction") ||
          !value["rate_fraction"].is_number()) {
        throw bad();
      }
      o.probe.clients = value["clients"].get<std::uint32_t>();
      o.probe.rate_fraction = value["rate_fraction"].get<double>();
      try {
        o.probe.duration = core::parse_duration(value["duration"].get<std::string>());
      } catch (const core::UnitError& e) {
        throw core::FieldError("/probe/duration", e.what());
      }
      if (o.probe.clients == 0 || !(o.probe.rate_fraction > 0 && o.probe.rate_fraction <= 1) ||
          o.probe.duration.count() <= 0) {
        throw bad();
      }
    } else if (key == "scale") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
        throw core::FieldError("/scale", "expected a whole number above 0");
      o.scale = value.get<std::int64_t>();
    } else {
      throw core::FieldError("/" + key, "unknown key '" + key +
                                            "' (expected kind, scripts, protocol, reconnect, "
                                            "max_tries, latency_limit, probe or scale)");
    }
  }
  if (o.scripts.empty()) throw core::FieldError("/scripts", "expected at least one script");
  return o;
}

BulkOptions parse_bulk_options(const json& w) {
  workload_kind(w);
  BulkOptions o;
  for (const auto& [key, value] : w.items()) {
    if (key == "kind") continue;
    if (key == "rows") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > 1'000'000) {
        throw core::FieldError("/rows", "expected a whole number from 1 to 1000000");
      }
      o.rows = value.get<std::uint32_t>();
    } else if (key == "methods") {
      if (!value.is_array() || value.empty())
        throw core::FieldError("/methods", "expected [\"copy\", \"insert\"] or one of them");
      o.methods.clear();
      for (const json& m : value) {
        if (m != "copy" && m != "insert")
          throw core::FieldError("/methods", "expected \"copy\" or \"insert\", got " + m.dump());
        o.methods.push_back(m.get<std::string>());
      }
    } else {
      throw core::FieldError("/" + key,
                             "unknown key '" + key + "' (expected kind, rows or methods)");
    }
  }
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

class TransactionClient final : public load::VirtualUser {
 public:
  TransactionClient(load::WorkerContext& ctx, std::shared_ptr<const TransactionWorkload::Shared> s,
                    std::uint64_t index)
      : ctx_(ctx),
        s_(std::move(s)),
        connection_(s_->conninfo),
        index_(index),
        rng_(index * 6364136223846793005ULL + 1) {}
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

  load::WorkerContext& ctx_;
  std::shared_ptr<const TransactionWorkload::Shared> s_;
  ClientConnection connection_;
  std::uint64_t index_;
  std::mt19937_64 rng_;
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

TransactionWorkload::~TransactionWorkload() = default;

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

std::vector<std::string> TransactionWorkload::tag_values() const {
  std::vector<std::string> names;
  for (const Script& s : shared_->options.scripts) names.push_back(s.name);
  return names;
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

class BulkClient final : public load::VirtualUser {
 public:
  // Client i always loads with methods[i % n], so each method's rows/s is its own.
  BulkClient(load::WorkerContext& ctx, std::shared_ptr<const BulkWorkload::Shared> s,
             std::uint64_t index)
      : ctx_(ctx),
        s_(std::move(s)),
        connection_(s_->conninfo),
        method_(index % s_->options.methods.size()) {}
  ~BulkClient() override { thread_.reset(); }

  void iterate(load::Completion done) override {
    const std::size_t method = method_;
    const core::TimePoint started = ctx_.operation_start;  // rows count by the batch's start
    thread_->post([this, method, started, done = std::move(done)]() mutable {
      Outcome out = load_batch(s_->options.methods[method] == "copy");
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
  Outcome load_batch(bool copy) {
    Outcome out;
    try {
      connection_.ensure(std::chrono::nanoseconds(0));
      pqxx::work tx(connection_.get());
      const std::uint32_t rows = s_->options.rows;
      if (copy) {
        pqxx::stream_to stream(tx, "events",
                               std::vector<std::string>{"account_id", "kind", "amount"});
        for (std::uint32_t i = 0; i < rows; ++i)
          stream << std::make_tuple(static_cast<int>(i % 100000 + 1), "copy", static_cast<int>(i));
        stream.complete();
      } else {
        std::string sql = "INSERT INTO events (account_id, kind, amount) VALUES ";
        sql.reserve(sql.size() + rows * 24);
        for (std::uint32_t i = 0; i < rows; ++i)
          sql += fmt::format("{}({}, 'insert', {})", i ? "," : "", i % 100000 + 1, i);
        tx.exec(sql);
      }
      tx.commit();
      out.rows = rows;
    } catch (const std::exception& e) {
      fail(out, e);
      connection_.drop();
    }
    return out;
  }

  load::WorkerContext& ctx_;
  std::shared_ptr<const BulkWorkload::Shared> s_;
  ClientConnection connection_;
  std::size_t method_;
  std::unique_ptr<ClientThread> thread_ = std::make_unique<ClientThread>();
};

}  // namespace

BulkWorkload::BulkWorkload(std::string conninfo, BulkOptions options)
    : shared_(std::make_shared<Shared>()) {
  shared_->conninfo = std::move(conninfo);
  shared_->options = std::move(options);
}

BulkWorkload::~BulkWorkload() = default;

void BulkWorkload::declare(metrics::MetricSet& set) {
  shared_->rows_steady.clear();
  for (const std::string& m : shared_->options.methods) {
    shared_->rows_steady.push_back(set.steady_rate(metrics::tagged("row_throughput", "method", m)));
  }
  shared_->rows_total = set.counter("rows_loaded");
  shared_->error_kinds.declare(set);
}

std::vector<std::string> BulkWorkload::tag_values() const { return shared_->options.methods; }

std::unique_ptr<load::VirtualUser> BulkWorkload::make_user(load::WorkerContext& ctx,
                                                           std::uint64_t user_index) {
  return std::make_unique<BulkClient>(ctx, shared_, user_index);
}

}  // namespace perfgate::pg
