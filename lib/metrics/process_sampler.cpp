// process_sampler.cpp - /proc sampling of CPU and RSS; recovery_time from exceedance slots.
#include "perfgate/metrics/process_sampler.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace perfgate::metrics {
namespace {

struct ProcStat {
  bool ok = false;
  double cpu_seconds = 0;
  std::int64_t rss_bytes = 0;
};

ProcStat read_proc(const std::string& pid) {
  ProcStat s;
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  std::ifstream statm("/proc/" + pid + "/statm");
  long long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return s;
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const long page = ::sysconf(_SC_PAGESIZE);
  s.ok = true;
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.rss_bytes = pages_resident * page;
  return s;
}

}  // namespace

ProcessSampler::ProcessSampler(MetricSet& set, std::optional<int> target_pid,
                               std::chrono::milliseconds interval)
    : set_(set),
      target_pid_(target_pid),
      interval_(interval),
      target_cpu_(set.histogram("target_cpu")),
      target_rss_(set.histogram("target_rss")),
      loadgen_cpu_(set.histogram("loadgen_cpu")),
      loadgen_rss_(set.histogram("loadgen_rss")) {}

ProcessSampler::~ProcessSampler() { stop(); }

void ProcessSampler::start(core::TimePoint origin) {
  recorder_ = std::make_unique<Recorder>(set_, origin);
  if (const ProcStat self = read_proc(std::to_string(::getpid())); self.ok)
    loadgen_rss_at_start_ = self.rss_bytes;
  if (target_pid_) {
    if (const ProcStat t = read_proc(std::to_string(*target_pid_)); t.ok)
      target_rss_at_start_ = t.rss_bytes;
  }
  {
    const std::lock_guard lock(mutex_);
    running_ = true;
  }
  thread_ = std::thread([this] { loop(); });
}

void ProcessSampler::stop() {
  {
    const std::lock_guard lock(mutex_);
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProcessSampler::loop() {
  const std::string self = std::to_string(::getpid());
  const std::string target = target_pid_ ? std::to_string(*target_pid_) : "";
  ProcStat last_self = read_proc(self);
  ProcStat last_target = target.empty() ? ProcStat{} : read_proc(target);
  auto last = core::SteadyClock::now();
  auto next = last + interval_;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      stopping = wake_.wait_until(lock, next, [this] { return !running_; });
    }
    next += interval_;
    const auto now = core::SteadyClock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    // The last sample, taken at stop, may cover a few milliseconds: too few clock ticks for a
    // CPU share, enough for the memory held.
    const bool share_measurable = dt >= 0.5 * std::chrono::duration<double>(interval_).count();
    const auto sample = [&](const std::string& pid, ProcStat& previous, MetricId cpu,
                            MetricId rss) {
      const ProcStat current = read_proc(pid);
      if (!current.ok) return;
      if (previous.ok && share_measurable) {
        const double share = (current.cpu_seconds - previous.cpu_seconds) / dt;
        recorder_->record(cpu, std::llround(std::max(0.0, share) * 1e6));  // parts per million
      }
      recorder_->record(rss, current.rss_bytes);
      previous = current;
    };
    sample(self, last_self, loadgen_cpu_, loadgen_rss_);
    if (!target.empty()) sample(target, last_target, target_cpu_, target_rss_);
    if (stopping) break;
  }
}

void ProcessSampler::add_session_memory(RunResult& result, std::uint64_t peak_sessions) const {
  constexpr std::uint64_t kFewestSessions = 100;  // below this, allocator noise dominates
  if (peak_sessions < kFewestSessions) return;
  const auto per_session = [&](const char* rss_key, std::optional<std::int64_t> at_start,
                               const char* key) {
    const auto rss = result.histograms.find(rss_key);
    if (!at_start || rss == result.histograms.end() || rss->second.count() == 0) return;
    const std::int64_t growth = std::max<std::int64_t>(0, rss->second.max() - *at_start);
    Histogram h;
    h.record(growth / static_cast<std::int64_t>(peak_sessions));
    result.histograms[key] = h;
  };
  per_session("loadgen_rss", loadgen_rss_at_start_, "loadgen_session_memory");
  per_session("target_rss", target_rss_at_start_, "target_session_memory");
}

std::optional<std::int64_t> recovery_time_ns(const std::vector<Recorder::ExceedanceSlot>& slots,
                                             std::int64_t from_ns) {
  constexpr std::size_t kWindow = 10;  // 10 slots of 100 ms: a 1 s window
  const auto first = static_cast<std::size_t>((from_ns + Recorder::kExceedanceSlotNs - 1) /
                                              Recorder::kExceedanceSlotNs);
  for (std::size_t start = first; start + kWindow <= slots.size(); ++start) {
    std::uint64_t total = 0, over = 0;
    for (std::size_t i = start; i < start + kWindow; ++i) {
      total += slots[i].total;
      over += slots[i].over;
    }
    if (total == 0) continue;
    // Nearest-rank p95 <= limit  <=>  at least ceil(0.95 n) samples are within the limit.
    const auto needed = static_cast<std::uint64_t>(std::ceil(0.95 * static_cast<double>(total)));
    if (total - over >= needed) {
      return static_cast<std::int64_t>(start) * Recorder::kExceedanceSlotNs - from_ns;
    }
  }
  return std::nullopt;
}

}  // namespace perfgate::metrics
