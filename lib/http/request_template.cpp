// request_template.cpp - ${variable} templates and compiled requests.
#include "perfgate/http/request_template.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "perfgate/core/error.hpp"

namespace perfgate::http {

std::size_t VariableTable::index(std::string_view name) {
  if (auto i = find(name)) return *i;
  names_.emplace_back(name);
  return names_.size() - 1;
}

std::optional<std::size_t> VariableTable::find(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names_.begin());
}

TextTemplate::TextTemplate(std::string_view text, VariableTable& table) {
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "${") == 0) {
      const auto close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        throw core::Error(fmt::format("template '{}': unclosed '${{' at offset {}", text, i));
      }
      const std::string_view name = text.substr(i + 2, close - i - 2);
      if (name.empty()) throw core::Error(fmt::format("template '{}': empty ${{}}", text));
      pieces_.push_back({std::move(literal), static_cast<std::ptrdiff_t>(table.index(name))});
      literal.clear();
      i = close + 1;
    } else {
      literal += text[i++];
    }
  }
  if (!literal.empty()) pieces_.push_back({std::move(literal), -1});
}

void TextTemplate::render_into(const Variables& values, std::string& out) const {
  for (const Piece& p : pieces_) {
    out += p.literal;
    if (p.variable >= 0 && static_cast<std::size_t>(p.variable) < values.size()) {
      out += values[static_cast<std::size_t>(p.variable)];
    }
  }
}

std::string TextTemplate::render(const Variables& values) const {
  std::string out;
  render_into(values, out);
  return out;
}

RequestTemplate RequestTemplate::compile(const RequestSpec& spec, VariableTable& table) {
  RequestTemplate t;
  t.name = spec.name;
  t.method = spec.method;
  t.target = TextTemplate(spec.target, table);
  for (const auto& [key, value] : spec.headers)
    t.headers.emplace_back(key, TextTemplate(value, table));
  if (spec.json_body) t.body = TextTemplate(*spec.json_body, table);
  t.expected_status = spec.expected_status;
  for (const auto& [variable, pointer] : spec.captures) {
    try {
      t.captures.push_back({table.index(variable), nlohmann::json::json_pointer(pointer)});
    } catch (const nlohmann::json::exception& e) {
      throw core::Error(fmt::format("request '{}': bad JSON pointer '{}' for capture '{}': {}",
                                    spec.name, pointer, variable, e.what()));
    }
  }
  t.rejection_probe = spec.rejection_probe;
  return t;
}

bool RequestTemplate::status_ok(unsigned status) const {
  if (expected_status.empty()) return status >= 200 && status < 400;
  return std::find(expected_status.begin(), expected_status.end(), status) != expected_status.end();
}

}  // namespace perfgate::http
