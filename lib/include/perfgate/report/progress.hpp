// perfgate/report/progress.hpp - The live progress line of a running scenario.
//
// On a terminal, one line rewritten in place every update:
//   [users/sustained_load] 12s/60s  4,821 ops  402.0/s  p95 4.1ms  errors 3 (0.06%)  sessions 200
// Elsewhere (CI logs, CTest), the same figures as one plain line every `plain_every` (10 s), so a
// log shows a long run is alive without drowning in updates. Before the clock starts, an open
// loop's prestart shows as `[name] set-up 1s/5s  12 of 64 started  0 failed` (plain: once).
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "perfgate/load/executor.hpp"

namespace perfgate::report {

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, std::string name, bool terminal,
               std::chrono::nanoseconds plain_every = std::chrono::seconds(10));
  // Shows `p` (on a terminal at once; otherwise when plain_every has passed since the last line).
  void update(const load::Progress& p);
  // Ends an in-place line, so what follows starts on a fresh line.
  void finish();

  // The text of one update, without line ending.
  static std::string format(const std::string& name, const load::Progress& p);
  // Whether standard output is a terminal.
  static bool stdout_is_terminal();

 private:
  std::ostream& out_;
  std::string name_;
  bool terminal_;
  std::chrono::nanoseconds plain_every_;
  std::chrono::nanoseconds next_plain_{0};
  std::size_t shown_width_ = 0;  // of the in-place line, to blank what a shorter one leaves
  bool setup_shown_ = false;     // plain output: the set-up line was printed
};

}  // namespace perfgate::report
