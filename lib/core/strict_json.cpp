// strict_json.cpp - A SAX pass that finds duplicate keys, then nlohmann's own parse.
#include "perfgate/core/strict_json.hpp"

#include <set>
#include <vector>

namespace perfgate::core {
namespace {

using json = nlohmann::json;

// Follows the path through the document; an object remembers the keys it has seen.
class DuplicateFinder : public json::json_sax_t {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    frames_.push_back({true, {}, {}, 0});
    return true;
  }
  bool key(string_t& key) override {
    Frame& f = frames_.back();
    f.key = key;
    if (!f.keys.insert(key).second) throw DuplicateKeyError(path());
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t) override {
    frames_.push_back({false, {}, {}, 0});
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;  // the real parse below reports it
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    std::size_t index;
  };

  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      out += "/" + (f.object ? json_pointer_token(f.key) : std::to_string(f.index));
    }
    return out;
  }
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool end() {
    frames_.pop_back();
    return value();  // the finished container is one value of its parent
  }

  std::vector<Frame> frames_;
};

}  // namespace

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

json parse_strict_json(std::string_view text) {
  json doc = json::parse(text);  // malformed JSON fails here, with nlohmann's message
  DuplicateFinder finder;
  json::sax_parse(text, &finder);
  return doc;
}

}  // namespace perfgate::core
