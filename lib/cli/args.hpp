// args.hpp - The command-line tool's argument parsing (internal to the tool).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> flags;  // "--html" -> "out.html"

  const std::string* flag(std::string_view name) const {
    const auto it = flags.find(name);
    return it == flags.end() ? nullptr : &it->second;
  }
  // The value of the first of `names` given (a flag and its aliases: "-o", "--output"), or "".
  std::string flag_or_empty(std::initializer_list<std::string_view> names) const {
    for (const auto name : names) {
      if (const std::string* v = flag(name)) return *v;
    }
    return {};
  }
};

// Splits `args` into positional arguments and `--flag value` pairs. Every flag takes a value and
// must be one of `known`, which may also hold short flags ("-o"). Throws std::invalid_argument
// naming an unknown or valueless flag.
inline Args parse_args(const std::vector<std::string>& args,
                       std::initializer_list<std::string_view> known) {
  Args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool ok = false;
    for (const auto k : known) ok = ok || args[i] == k;
    if (!ok && !args[i].starts_with("--")) {
      out.positional.push_back(args[i]);
      continue;
    }
    if (!ok) throw std::invalid_argument("unknown flag " + args[i]);
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    out.flags[args[i]] = args[i + 1];
    ++i;
  }
  return out;
}

}  // namespace perfgate::cli
