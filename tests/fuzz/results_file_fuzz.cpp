// results_file_fuzz - The results-file loader (used by report, compare and merge) on any text: a
// run, or an IoError / invalid_argument naming the file, never a crash or another exception. A
// run it accepts is written back and read again unchanged.
#include <stdexcept>

#include "fuzz_check.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/report/results_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = perfgate::fuzz::text_of(data, size);
  try {
    const perfgate::metrics::RunResult run = perfgate::report::parse_results(text, "fuzz.json");
    const std::string again = run.to_json().dump();
    const perfgate::metrics::RunResult reread =
        perfgate::report::parse_results(again, "again.json");
    perfgate::fuzz::check(reread.to_json().dump() == again, "a results file round-trips");
  } catch (const perfgate::core::IoError& e) {
    perfgate::fuzz::check(std::string_view(e.what()).starts_with("fuzz.json: "),
                          "a results error names the file");
  } catch (const std::invalid_argument& e) {
    perfgate::fuzz::check(std::string_view(e.what()).starts_with("fuzz.json: "),
                          "a results error names the file");
  }
  return 0;
}
