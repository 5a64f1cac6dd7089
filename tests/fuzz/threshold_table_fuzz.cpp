// threshold_table_fuzz - The threshold table loader on any text: a table or a ConfigError naming
// the place, never a crash or another exception (a JSON type error leaking out, say).
#include "fuzz_check.hpp"
#include "perfgate/config/config_error.hpp"
#include "perfgate/config/thresholds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(perfgate::fuzz::text_of(data, size));
  for (const char* profile : {"ci", "nightly"}) {
    try {
      const auto table = perfgate::config::parse_table(text, "fuzz.json", profile);
      perfgate::fuzz::check(!table.scenarios.empty(), "a parsed table has a scenario");
      for (const auto& [name, scenario] : table.scenarios) {
        perfgate::fuzz::check(!scenario.rules.empty(), "a parsed scenario has a rule");
      }
    } catch (const perfgate::config::ConfigError& e) {
      perfgate::fuzz::check(std::string_view(e.what()).starts_with("fuzz.json: "),
                            "a table error names the file");
    }
  }
  return 0;
}
