// script.cpp - pgbench-style scripts: parsing, expressions and pgbench's random distributions.
#include "perfgate/pg/script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace perfgate::pg {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Recursive-descent parser of one \set expression.
class ExprParser {
 public:
  ExprParser(std::string_view text, const std::string& where) : text_(text), where_(where) {}

  Expr parse() {
    Expr e = sum();
    skip_space();
    if (pos_ != text_.size())
      fail(fmt::format("unexpected '{}' in expression", text_.substr(pos_)));
    return e;
  }
  const std::vector<std::string>& variables() const { return variables_; }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ScriptError(where_ + ": " + what); }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  static Expr binary(Expr::Kind kind, Expr a, Expr b) {
    Expr e{kind};
    e.args.push_back(std::move(a));
    e.args.push_back(std::move(b));
    return e;
  }
  // One precedence level of left-associative binary operators over the level `next`.
  Expr level(Expr (ExprParser::*next)(),
             std::initializer_list<std::pair<char, Expr::Kind>> operators) {
    Expr e = (this->*next)();
    for (;;) {
      const auto op = std::find_if(operators.begin(), operators.end(),
                                   [this](const auto& o) { return take(o.first); });
      if (op == operators.end()) return e;
      e = binary(op->second, std::move(e), (this->*next)());
    }
  }
  Expr sum() {
    return level(&ExprParser::product, {{'+', Expr::Kind::kAdd}, {'-', Expr::Kind::kSub}});
  }
  Expr product() {
    return level(&ExprParser::unary,
                 {{'*', Expr::Kind::kMul}, {'/', Expr::Kind::kDiv}, {'%', Expr::Kind::kMod}});
  }
  Expr unary() {
    if (take('-')) {
      Expr e{Expr::Kind::kUnaryMinus};
      e.args.push_back(unary());
      return e;
    }
    return primary();
  }
  Expr primary() {
    skip_space();
    if (take('(')) {
      Expr e = sum();
      if (!take(')')) fail("missing ')'");
      return e;
    }
    if (pos_ >= text_.size()) fail("expression ends too early");
    const char c = text_[pos_];
    if (c == ':') {
      ++pos_;
      const std::size_t start = pos_;
      while (pos_ < text_.size() && ident_char(text_[pos_])) ++pos_;
      if (pos_ == start) fail("':' must be followed by a variable name");
      Expr e{Expr::Kind::kVariable};
      e.name = std::string(text_.substr(start, pos_ - start));
      variables_.push_back(e.name);
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const std::size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
        ++pos_;
      const std::string number(text_.substr(start, pos_ - start));
      Expr e{Expr::Kind::kNumber};
      if (number.find('.') != std::string::npos) {
        e.name = number;  // a fraction: kept as text, for function parameters
      } else {
        try {
          e.number = std::stoll(number);
        } catch (const std::exception&) {
          fail("number out of range: " + number);
        }
      }
      return e;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && ident_char(text_[pos_])) ++pos_;
      Expr e{Expr::Kind::kCall};
      e.name = std::string(text_.substr(start, pos_ - start));
      const std::size_t arity = e.name == "random"                                          ? 2
                                : e.name == "random_gaussian" || e.name == "random_zipfian" ? 3
                                : e.name == "abs"                                           ? 1
                                                                                            : 0;
      if (arity == 0)
        fail("unknown function '" + e.name +
             "' (expected random, random_gaussian, random_zipfian or abs)");
      if (!take('(')) fail("expected '(' after " + e.name);
      do {
        e.args.push_back(sum());
      } while (take(','));
      if (!take(')')) fail("missing ')' after the arguments of " + e.name);
      if (e.args.size() != arity)
        fail(fmt::format("{} takes {} arguments, got {}", e.name, arity, e.args.size()));
      return e;
    }
    fail(fmt::format("unexpected '{}' in expression", text_.substr(pos_)));
  }

  std::string_view text_;
  const std::string& where_;
  std::size_t pos_ = 0;
  std::vector<std::string> variables_;
};

// Replaces :name (not ::cast) by $n; records the variable of each $n.
SqlCommand parameterise(const std::string& sql, const std::set<std::string>& known,
                        const std::string& where) {
  SqlCommand cmd;
  cmd.text = sql;
  std::string out;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const bool variable =
        sql[i] == ':' && i + 1 < sql.size() &&
        (std::isalpha(static_cast<unsigned char>(sql[i + 1])) || sql[i + 1] == '_') &&
        (i == 0 || sql[i - 1] != ':');
    if (!variable) {
      out += sql[i];
      continue;
    }
    std::size_t end = i + 1;
    while (end < sql.size() && ident_char(sql[end])) ++end;
    const std::string name = sql.substr(i + 1, end - i - 1);
    if (!known.count(name))
      throw ScriptError(fmt::format("{}: variable :{} is used before it is set", where, name));
    std::size_t index = 0;
    while (index < cmd.parameters.size() && cmd.parameters[index] != name) ++index;
    if (index == cmd.parameters.size()) cmd.parameters.push_back(name);
    out += "$" + std::to_string(index + 1);
    i = end - 1;
  }
  cmd.parameterised = out;
  return cmd;
}

double as_double(const Expr& e, const Values& values, std::mt19937_64& rng) {
  if (e.kind == Expr::Kind::kNumber && !e.name.empty()) return std::stod(e.name);
  return static_cast<double>(evaluate(e, values, rng));
}

}  // namespace

std::size_t Script::statements() const {
  std::size_t n = 0;
  for (const Step& s : steps) n += std::holds_alternative<SqlCommand>(s.command) ? 1 : 0;
  return n;
}

Script parse_script(std::string_view text, std::string name, double weight) {
  Script script;
  script.name = std::move(name);
  script.weight = weight;
  if (!(weight > 0)) throw ScriptError(script.name + ": weight must be above 0");
  std::set<std::string> known{"scale", "client_id"};
  std::string pending;
  int pending_line = 0;
  int line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    const std::string where = fmt::format("{}:{}", script.name, line_number);
    if (line.empty() || line.starts_with("--")) {
      if (end == text.size()) break;
      continue;
    }
    if (pending.empty() && line.front() == '\\') {
      const std::size_t space = line.find_first_of(" \t");
      const std::string_view command =
          line.substr(1, space == std::string_view::npos ? line.size() : space - 1);
      if (command != "set")
        throw ScriptError(where + ": unknown meta-command \\" + std::string(command) +
                          " (expected \\set)");
      const std::string_view rest =
          space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
      const std::size_t name_end = rest.find_first_of(" \t");
      if (rest.empty() || name_end == std::string_view::npos)
        throw ScriptError(where + ": expected \\set name expression");
      SetCommand set;
      set.variable = std::string(rest.substr(0, name_end));
      for (char c : set.variable) {
        if (!ident_char(c)) throw ScriptError(where + ": bad variable name '" + set.variable + "'");
      }
      ExprParser parser(trim(rest.substr(name_end)), where);
      set.expr = parser.parse();
      for (const std::string& v : parser.variables()) {
        if (!known.count(v))
          throw ScriptError(fmt::format("{}: variable :{} is used before it is set", where, v));
      }
      known.insert(set.variable);
      script.steps.push_back({std::move(set), line_number});
    } else {
      if (pending.empty()) pending_line = line_number;
      pending += (pending.empty() ? "" : " ") + std::string(line);
      if (line.back() == ';') {
        pending.pop_back();
        const std::string sql(trim(pending));
        if (!sql.empty()) {
          script.steps.push_back(
              {parameterise(sql, known, fmt::format("{}:{}", script.name, pending_line)),
               pending_line});
        }
        pending.clear();
      }
    }
    if (end == text.size()) break;
  }
  if (!pending.empty()) {
    throw ScriptError(
        fmt::format("{}:{}: statement does not end with ';'", script.name, pending_line));
  }
  if (script.statements() == 0)
    throw ScriptError(script.name + ": the script has no SQL statement");
  return script;
}

std::int64_t evaluate(const Expr& e, const Values& values, std::mt19937_64& rng) {
  const auto arg = [&](std::size_t i) { return evaluate(e.args[i], values, rng); };
  switch (e.kind) {
    case Expr::Kind::kNumber:
      return e.name.empty() ? e.number : static_cast<std::int64_t>(std::stod(e.name));
    case Expr::Kind::kVariable: {
      const auto it = values.find(e.name);
      if (it == values.end()) throw ScriptError("variable :" + e.name + " is not set");
      return it->second;
    }
    case Expr::Kind::kUnaryMinus:
      return -arg(0);
    case Expr::Kind::kAdd:
      return arg(0) + arg(1);
    case Expr::Kind::kSub:
      return arg(0) - arg(1);
    case Expr::Kind::kMul:
      return arg(0) * arg(1);
    case Expr::Kind::kDiv:
    case Expr::Kind::kMod: {
      const std::int64_t a = arg(0), b = arg(1);
      if (b == 0) throw ScriptError("division by zero");
      return e.kind == Expr::Kind::kDiv ? a / b : a % b;
    }
    case Expr::Kind::kCall:
      if (e.name == "abs") return std::llabs(arg(0));
      if (e.name == "random") return random_uniform(arg(0), arg(1), rng);
      if (e.name == "random_gaussian")
        return random_gaussian(arg(0), arg(1), as_double(e.args[2], values, rng), rng);
      return random_zipfian(arg(0), arg(1), as_double(e.args[2], values, rng), rng);
  }
  return 0;
}

std::int64_t random_uniform(std::int64_t lo, std::int64_t hi, std::mt19937_64& rng) {
  if (lo > hi)
    throw ScriptError(fmt::format("random({}, {}): lower bound above upper bound", lo, hi));
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

std::int64_t random_gaussian(std::int64_t lo, std::int64_t hi, double parameter,
                             std::mt19937_64& rng) {
  if (lo > hi)
    throw ScriptError(
        fmt::format("random_gaussian({}, {}): lower bound above upper bound", lo, hi));
  if (!(parameter >= 2.0))
    throw ScriptError(fmt::format("random_gaussian: parameter {} must be at least 2", parameter));
  // pgbench: a standard normal truncated to [-parameter, parameter), mapped onto [lo, hi].
  std::normal_distribution<double> normal(0.0, 1.0);
  double x = 0;
  do {
    x = normal(rng);
  } while (x < -parameter || x >= parameter);
  const double r = (x + parameter) / (2.0 * parameter);
  return lo + static_cast<std::int64_t>(static_cast<double>(hi - lo + 1) * r);
}

std::int64_t random_zipfian(std::int64_t lo, std::int64_t hi, double s, std::mt19937_64& rng) {
  if (lo > hi)
    throw ScriptError(fmt::format("random_zipfian({}, {}): lower bound above upper bound", lo, hi));
  if (!(s >= 1.001 && s <= 1000))
    throw ScriptError(fmt::format("random_zipfian: parameter {} must be in [1.001, 1000]", s));
  // Rejection-inversion sampling (Hormann and Derflinger, 1996): P(k) proportional to k^-s,
  // k in [1, n], in constant expected time; lo is the most frequent value, as in pgbench.
  const double n = static_cast<double>(hi - lo + 1);
  const auto helper1 = [](double x) {
    return std::fabs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
  };
  const auto helper2 = [](double x) {
    return std::fabs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
  };
  const auto h = [s](double x) { return std::exp(-s * std::log(x)); };
  const auto h_integral = [&](double x) {
    const double log_x = std::log(x);
    return helper2((1 - s) * log_x) * log_x;
  };
  const auto h_integral_inverse = [&](double x) {
    double t = x * (1 - s);
    if (t < -1) t = -1;
    return std::exp(helper1(t) * x);
  };
  const double h_x1 = h_integral(1.5) - 1;
  const double h_n = h_integral(n + 0.5);
  const double threshold = 2 - h_integral_inverse(h_integral(2.5) - h(2));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (;;) {
    const double u = h_n + unit(rng) * (h_x1 - h_n);
    const double x = h_integral_inverse(u);
    double k = std::floor(x + 0.5);
    if (k < 1) k = 1;
    if (k > n) k = n;
    if (k - x <= threshold || u >= h_integral(k + 0.5) - h(k))
      return lo + static_cast<std::int64_t>(k) - 1;
  }
}

}  // namespace perfgate::pg
