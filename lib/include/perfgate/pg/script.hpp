// perfgate/pg/script.hpp - Transaction scripts in pgbench's language, and its random numbers.
//
// A script is what pgbench -f takes: meta-commands and SQL, e.g. the TPC-B-like transaction:
//
//   \set aid random(1, 100000 * :scale)
//   \set delta random(-5000, 5000)
//   BEGIN;
//   UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
//   SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
//   END;
//
// Supported: `\set name expression` with integers, + - * / %, parentheses, :variables, and
// random(lo, hi), random_gaussian(lo, hi, parameter), random_zipfian(lo, hi, parameter), abs(x),
// using pgbench's definitions; SQL statements ending in ';' (over one or more lines), whose
// :variables become parameters of a prepared statement (or literal integers with the simple
// protocol). `-- comments` and blank lines are skipped. Predefined: :scale and :client_id.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "perfgate/core/error.hpp"

namespace perfgate::pg {

// A script that does not parse: what() reads "<script>:<line>: <what is wrong>".
class ScriptError : public core::Error {
 public:
  using core::Error::Error;
};

// An integer expression of a \set command.
struct Expr {
  enum class Kind { kNumber, kVariable, kUnaryMinus, kAdd, kSub, kMul, kDiv, kMod, kCall };
  explicit Expr(Kind k = Kind::kNumber) : kind(k) {}
  Kind kind;
  std::int64_t number = 0;
  std::string name;  // variable or function
  std::vector<Expr> args;
};

struct SetCommand {
  std::string variable;
  Expr expr;
};

struct SqlCommand {
  std::string text;                     // as written, for messages
  std::string parameterised;            // :vars replaced by $1, $2, ... (prepared statements)
  std::vector<std::string> parameters;  // the variable of each $n
};

struct Step {
  std::variant<SetCommand, SqlCommand> command;
  int line = 0;
};

struct Script {
  std::string name;
  double weight = 1;
  std::vector<Step> steps;
  std::size_t statements() const;
};

// Parses a script. Throws ScriptError naming the script, the line and the problem (an unknown
// meta-command or function, a syntax error, a variable used before it is set, ...).
Script parse_script(std::string_view text, std::string name, double weight = 1);

// Variables of one client while it runs a script.
using Values = std::unordered_map<std::string, std::int64_t>;

// Evaluates `expr`. Throws ScriptError for an unset variable, a division by zero or bad random
// arguments (lo > hi, a gaussian parameter below 2, a zipfian parameter outside [1.001, 1000]).
std::int64_t evaluate(const Expr& expr, const Values& values, std::mt19937_64& rng);

// pgbench's distributions, exposed for tests.
std::int64_t random_uniform(std::int64_t lo, std::int64_t hi, std::mt19937_64& rng);
std::int64_t random_gaussian(std::int64_t lo, std::int64_t hi, double parameter,
                             std::mt19937_64& rng);
std::int64_t random_zipfian(std::int64_t lo, std::int64_t hi, double parameter,
                            std::mt19937_64& rng);

}  // namespace perfgate::pg
