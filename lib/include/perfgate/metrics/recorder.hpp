// perfgate/metrics/recorder.hpp - Where a run's measurements go while it runs.
//
// Before a run, the scenario and its drivers declare their metrics in a MetricSet and keep the
// ids. During the run every worker thread owns one Recorder: recording a sample is an array index
// and an increment, with no lock and no allocation. After the run the recorders are merged into
// one RunResult (see run_result.hpp) by Recorder::merge_into.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perfgate/core/clock.hpp"
#include "perfgate/metrics/error_kind.hpp"
#include "perfgate/metrics/histogram.hpp"

namespace perfgate::metrics {

using MetricId = std::uint32_t;
using CounterId = std::uint32_t;

// The names of a run's histograms, counters and the rates derived from counters, fixed before
// the run starts. Rates are declared, not inferred from names: a driver says which counter is a
// rate's numerator and over what.
class MetricSet {
 public:
  // Declares a histogram metric with a catalogue key ("latency", "latency{stage:2}") and returns
  // its id; declaring the same key again returns the same id. Throws std::invalid_argument for a
  // key whose base name is not in the catalogue.
  MetricId histogram(std::string_view key);
  // Declares a named counter ("auth_probes") and returns its id; idempotent. The run's
  // RunResult::counters holds it by name. Throws std::invalid_argument for a name whose base is
  // not in the counter catalogue (catalog.hpp): every count says what it counts.
  CounterId counter(std::string_view name);
  // Declares the rate metric `key` ("goodput", "row_throughput{method:copy}") as events per
  // steady second and returns the counter of those events: the driver adds to it for operations
  // that *started* in a steady window (WorkerContext::is_steady(operation_start)). collect()
  // divides it by the run's steady seconds, or, with `stage` (1-based), by that stage's; its
  // samples are the completed operations (the stage's events for a stage). The counter is the
  // rate's numerator, not one of RunResult::counters. Idempotent per key. Throws
  // std::invalid_argument for a key that is not a catalogued rate.
  CounterId steady_rate(std::string_view key, std::optional<std::size_t> stage = std::nullopt);
  // Declares the rate metric `key` as the share `part` / `whole` of two counters declared with
  // counter() ("drop_rate" = sessions_dropped / sessions_opened), resting on `whole` samples.
  // derive_shares() computes it from RunResult::counters, so figures a workload adds after the
  // run (its annotate step) count too; absent while `whole` is 0.
  void share(std::string_view key, CounterId part, CounterId whole);
  // Declares a failure kind of the driver's own ("db_40", "drops") and returns its id, which
  // the driver's users set as OperationResult::error; idempotent. A built-in kind's name returns
  // that kind. Throws std::invalid_argument for an empty name or "none".
  ErrorKind error_kind(std::string_view name);
  // The name of `kind`, built in or declared here.
  std::string_view error_kind_name(ErrorKind kind) const;
  // Built-in and declared kinds: ids run from 0 to this, exclusive.
  std::size_t error_kind_count() const { return kErrorKindCount + error_kinds_.size(); }

  struct Counter {
    std::string name;  // the counter's name, or the rate key of a steady rate's counter
    bool steady_rate = false;
    std::optional<std::size_t> stage;  // steady rates of one stage of the plan
  };
  struct Share {
    std::string key;
    std::string part;  // counter names
    std::string whole;
  };
  const std::vector<std::string>& histogram_keys() const { return histograms_; }
  const std::vector<Counter>& counters() const { return counters_; }
  const std::vector<Share>& shares() const { return shares_; }

 private:
  std::vector<std::string> histograms_;
  std::vector<Counter> counters_;
  std::vector<Share> shares_;
  std::vector<std::string> error_kinds_;  // declared kinds, ids from kErrorKindCount
};

// One metric's samples in one second of a run: each non-empty bucket of a 2-significant-digit
// histogram as (its highest value, count), ascending. What the comparison's bootstrap resamples
// (stats/change.hpp); a second has tens of buckets, so a run keeps every metric's seconds.
struct IntervalHistogram {
  std::int64_t second = 0;  // since the run's start
  std::vector<std::pair<std::int64_t, std::uint64_t>> values;
};

// Adds `from`'s seconds into `into` (both in second order), summing the counts of a value.
void merge_intervals(std::vector<IntervalHistogram>& into,
                     const std::vector<IntervalHistogram>& from);

// Per-second figures of a run, for plots and the progress line.
struct SeriesPoint {
  std::int64_t second = 0;  // seconds since the run's start
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  Histogram latency{2};  // 2 significant digits: enough for a plotted p95, 30x smaller
};

// One worker thread's measurements. Not thread-safe: one thread records into it.
class Recorder {
 public:
  // `origin` is the run's start: time-series slots count from it. `exceedance_limit_ns`, when
  // positive, enables the 100 ms exceedance slots that recovery_time is computed from.
  Recorder(const MetricSet& set, core::TimePoint origin, std::int64_t exceedance_limit_ns = 0);

  // Moves the time origin; only before any operation was recorded (a run whose clock starts late).
  void reset_origin(core::TimePoint origin) { origin_ = origin; }

  // Records one sample of histogram `id`, in the run's histogram and in the second's (the
  // second of the newest operation_finished(): a driver records an operation's figures as it
  // ends).
  void record(MetricId id, std::int64_t value) noexcept {
    histograms_[id].record(value);
    second_[id].record(value);
  }
  // Adds to counter `id`.
  void add(CounterId id, std::uint64_t n = 1) noexcept { counters_[id] += n; }

  // Counts one finished (attempted) operation: `latency_ns` is recorded by the caller in its own
  // histograms; here it feeds the time series. `error` is kNone for a success, else a built-in
  // or declared kind (an id the set did not declare counts as kOther). `steady` says whether the
  // operation finished inside a steady (non-ramp) window, for `throughput`.
  void operation_finished(core::TimePoint at, std::int64_t latency_ns, ErrorKind error,
                          bool steady);
  // Counts an operation that the harness cut (still running when the run's graceful stop ran
  // out, or when it was interrupted): not the target's failure, so neither attempted nor failed.
  void operation_interrupted() noexcept { ++interrupted_; }

  std::uint64_t attempted() const noexcept { return attempted_; }
  std::uint64_t completed() const noexcept { return completed_; }
  std::uint64_t failed() const noexcept { return failed_; }
  std::uint64_t interrupted() const noexcept { return interrupted_; }
  const Histogram& histogram(MetricId id) const { return histograms_[id]; }

  // Everything measured, for merging. Slots are in time order.
  struct ExceedanceSlot {
    std::uint64_t total = 0;
    std::uint64_t over = 0;  // samples above the exceedance limit
  };
  const std::vector<Histogram>& histograms() const { return histograms_; }
  const std::vector<std::uint64_t>& counters() const { return counters_; }
  // Failed operations per kind, indexed by ErrorKind (MetricSet::error_kind_count() entries).
  const std::vector<std::uint64_t>& errors() const { return errors_; }
  const std::vector<SeriesPoint>& series() const { return series_; }
  // Histogram `id`'s seconds, the one still open included.
  std::vector<IntervalHistogram> intervals(MetricId id) const;
  const std::vector<ExceedanceSlot>& exceedance() const { return exceedance_; }
  std::uint64_t steady_completed() const noexcept { return steady_completed_; }

  // Adds everything `other` recorded into this recorder (same MetricSet and origin).
  void merge(const Recorder& other);

  static constexpr std::int64_t kExceedanceSlotNs = 100'000'000;

 private:
  SeriesPoint& slot_at(core::TimePoint at);
  // Closes the open second's histograms when `second` is later.
  void advance_second(std::int64_t second);
  void note_time(core::TimePoint at, std::int64_t latency_ns, bool ok);

  core::TimePoint origin_;
  std::int64_t exceedance_limit_ns_;
  std::vector<Histogram> histograms_;
  // The open second's samples of each histogram, and the closed seconds'.
  std::vector<Histogram> second_;
  std::int64_t open_second_ = 0;
  std::vector<std::vector<IntervalHistogram>> intervals_;
  std::vector<std::uint64_t> counters_;
  std::vector<std::uint64_t> errors_;
  std::vector<SeriesPoint> series_;
  std::vector<ExceedanceSlot> exceedance_;
  std::uint64_t attempted_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t interrupted_ = 0;
  std::uint64_t steady_completed_ = 0;
};

}  // namespace perfgate::metrics
