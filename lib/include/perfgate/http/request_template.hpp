// perfgate/http/request_template.hpp - Requests described once, rendered per virtual user.
//
// A RequestSpec says what to send ("POST /auth/login with this JSON, expect 200, capture /token
// as ${token}"); it is written in a suite, in a few readable lines. It is compiled once against a
// VariableTable into a RequestTemplate whose ${name} placeholders are variable indexes, so
// rendering a request per operation is string concatenation, with no lookups by name.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace perfgate::http {

// Variable names of one flow, each with a fixed index.
class VariableTable {
 public:
  // The index of `name`, added if new.
  std::size_t index(std::string_view name);
  std::optional<std::size_t> find(std::string_view name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

// One virtual user's variable values, by VariableTable index.
using Variables = std::vector<std::string>;

// Text with ${name} placeholders.
class TextTemplate {
 public:
  TextTemplate() = default;
  // Throws core::Error for an unclosed "${" or an empty name, quoting the text.
  TextTemplate(std::string_view text, VariableTable& table);
  void render_into(const Variables& values, std::string& out) const;
  std::string render(const Variables& values) const;
  bool empty() const { return pieces_.empty(); }

 private:
  struct Piece {
    std::string literal;
    std::ptrdiff_t variable = -1;  // >= 0: insert this variable after the literal
  };
  std::vector<Piece> pieces_;
};

// What to send, as a suite writes it.
struct RequestSpec {
  std::string name;
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;  // path and query, appended to the target URL's base path
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> json_body;
  std::vector<unsigned> expected_status;                      // empty: any 2xx or 3xx is a success
  std::vector<std::pair<std::string, std::string>> captures;  // variable, JSON pointer
  bool rejection_probe = false;

  static RequestSpec get(std::string target) { return make(boost::beast::http::verb::get, target); }
  static RequestSpec post(std::string target) {
    return make(boost::beast::http::verb::post, target);
  }
  static RequestSpec put(std::string target) { return make(boost::beast::http::verb::put, target); }

  RequestSpec& named(std::string n) {
    name = std::move(n);
    return *this;
  }
  RequestSpec& header(std::string key, std::string value) {
    headers.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  // Adds "Authorization: Bearer <token>"; `token` may hold ${variables}.
  RequestSpec& bearer(std::string token) { return header("Authorization", "Bearer " + token); }
  RequestSpec& json(std::string body) {
    json_body = std::move(body);
    return *this;
  }
  RequestSpec& expect(unsigned status) {
    expected_status.push_back(status);
    return *this;
  }
  // Stores the string (or number, as text) at `json_pointer` of the response in ${variable}.
  RequestSpec& capture(std::string variable, std::string json_pointer) {
    captures.emplace_back(std::move(variable), std::move(json_pointer));
    return *this;
  }
  // Marks a request that carries a credential the service must refuse: counted in
  // `auth_rejection_rate` (rejected when the status is 401).
  RequestSpec& must_be_rejected() {
    rejection_probe = true;
    return expect(401);
  }

 private:
  static RequestSpec make(boost::beast::http::verb verb, std::string target) {
    RequestSpec spec;
    spec.method = verb;
    spec.name = target;
    spec.target = std::move(target);
    return spec;
  }
};

// A RequestSpec compiled against a flow's VariableTable.
struct RequestTemplate {
  struct Capture {
    std::size_t variable;
    nlohmann::json::json_pointer pointer;
  };
  std::string name;
  boost::beast::http::verb method;
  TextTemplate target;
  std::vector<std::pair<std::string, TextTemplate>> headers;
  std::optional<TextTemplate> body;
  std::vector<unsigned> expected_status;
  std::vector<Capture> captures;
  bool rejection_probe = false;

  // Throws core::Error for a bad template or JSON pointer, naming the request.
  static RequestTemplate compile(const RequestSpec& spec, VariableTable& table);
  // Whether `status` counts as a success for this request.
  bool status_ok(unsigned status) const;
};

}  // namespace perfgate::http
