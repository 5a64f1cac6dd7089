// progress.cpp - The live progress line.
#include "perfgate/report/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "perfgate/core/units.hpp"

namespace perfgate::report {

ProgressLine::ProgressLine(std::ostream& out, std::string name, bool terminal,
                           std::chrono::nanoseconds plain_every)
    : out_(out), name_(std::move(name)), terminal_(terminal), plain_every_(plain_every) {
  next_plain_ = plain_every_;
}

std::string ProgressLine::format(const std::string& name, const load::Progress& p) {
  const auto seconds = [](std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
  };
  if (p.setup) {
    return fmt::format("[{}] set-up {:.0f}s/{:.0f}s  {} of {} started  {} failed", name,
                       seconds(p.elapsed), seconds(p.total), p.setup->started, p.setup->slots,
                       p.setup->failed);
  }
  std::string text = fmt::format(
      "[{}] {:.0f}s/{:.0f}s  {} ops  {:.1f}/s  p95 {}  errors {}", name, seconds(p.elapsed),
      seconds(p.total), p.attempted, p.completed_per_s,
      p.p95_ns ? core::format_quantity(static_cast<double>(*p.p95_ns), core::Unit::kDuration)
               : std::string("-"),
      p.failed);
  if (p.failed != 0 && p.attempted != 0) {
    text += fmt::format(" ({})", core::format_quantity(static_cast<double>(p.failed) /
                                                           static_cast<double>(p.attempted),
                                                       core::Unit::kPercent));
  }
  if (p.sessions != 0) text += fmt::format("  sessions {}", p.sessions);
  return text;
}

void ProgressLine::update(const load::Progress& p) {
  const std::string text = format(name_, p);
  if (terminal_) {
    out_ << '\r' << text;
    if (text.size() < shown_width_) out_ << std::string(shown_width_ - text.size(), ' ');
    shown_width_ = text.size();
    out_ << std::flush;
  } else if (p.setup) {
    // Set-up is short (setup_timeout): say once that it is under way.
    if (!setup_shown_) out_ << text << '\n' << std::flush;
    setup_shown_ = true;
  } else if (p.elapsed >= next_plain_) {
    out_ << text << '\n' << std::flush;
    while (next_plain_ <= p.elapsed) next_plain_ += plain_every_;
  }
}

void ProgressLine::finish() {
  if (terminal_ && shown_width_ != 0) out_ << '\n' << std::flush;
  shown_width_ = 0;
}

bool ProgressLine::stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

}  // namespace perfgate::report
