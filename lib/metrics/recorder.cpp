// recorder.cpp - MetricSet declarations and the per-thread Recorder.
#include "perfgate/metrics/recorder.hpp"

#include <algorithm>
#include <stdexcept>

#include "perfgate/metrics/catalog.hpp"

namespace perfgate::metrics {
namespace {

template <class Vec>
std::uint32_t find_or_add(Vec& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) return static_cast<std::uint32_t>(it - names.begin());
  names.emplace_back(name);
  return static_cast<std::uint32_t>(names.size() - 1);
}

CounterId find_or_add_counter(std::vector<MetricSet::Counter>& counters, std::string_view name,
                              bool steady_rate, std::optional<std::size_t> stage) {
  const auto it = std::find_if(counters.begin(), counters.end(), [&](const auto& c) {
    return c.name == name && c.steady_rate == steady_rate;
  });
  if (it != counters.end()) return static_cast<CounterId>(it - counters.begin());
  counters.push_back({std::string(name), steady_rate, stage});
  return static_cast<CounterId>(counters.size() - 1);
}

}  // namespace

MetricId MetricSet::histogram(std::string_view key) {
  const MetricInfo* info = find_metric(key);
  if (info == nullptr || info->kind != MetricKind::kHistogram) {
    throw std::invalid_argument("'" + std::string(key) + "' is not a histogram metric");
  }
  return find_or_add(histograms_, key);
}

CounterId MetricSet::counter(std::string_view name) {
  if (find_counter(name) == nullptr) {
    throw std::invalid_argument("'" + std::string(name) +
                                "' is not a counter of the catalogue (metrics/catalog.cpp)");
  }
  return find_or_add_counter(counters_, name, false, std::nullopt);
}

CounterId MetricSet::steady_rate(std::string_view key, std::optional<std::size_t> stage) {
  const MetricInfo* info = find_metric(key);
  if (info == nullptr || info->kind != MetricKind::kRate) {
    throw std::invalid_argument("'" + std::string(key) + "' is not a rate metric");
  }
  return find_or_add_counter(counters_, key, true, stage);
}

void MetricSet::share(std::string_view key, CounterId part, CounterId whole) {
  const MetricInfo* info = find_metric(key);
  if (info == nullptr || info->kind != MetricKind::kRate || part >= counters_.size() ||
      whole >= counters_.size() || counters_[part].steady_rate || counters_[whole].steady_rate) {
    throw std::invalid_argument("'" + std::string(key) +
                                "' is not a rate metric over two declared counters");
  }
  const auto it =
      std::find_if(shares_.begin(), shares_.end(), [&](const Share& s) { return s.key == key; });
  if (it == shares_.end())
    shares_.push_back({std::string(key), counters_[part].name, counters_[whole].name});
}

ErrorKind MetricSet::error_kind(std::string_view name) {
  if (name.empty() || name == "none")
    throw std::invalid_argument("an error kind needs a name other than 'none'");
  for (std::size_t i = 1; i < kErrorKindCount; ++i) {
    if (kBuiltInErrorKindNames[i] == name) return static_cast<ErrorKind>(i);
  }
  return static_cast<ErrorKind>(kErrorKindCount + find_or_add(error_kinds_, name));
}

std::string_view MetricSet::error_kind_name(ErrorKind kind) const {
  const auto i = static_cast<std::size_t>(kind);
  if (i < kErrorKindCount) return kBuiltInErrorKindNames[i];
  if (i - kErrorKindCount < error_kinds_.size()) return error_kinds_[i - kErrorKindCount];
  return metrics::error_kind_name(ErrorKind::kOther);
}

Recorder::Recorder(const MetricSet& set, core::TimePoint origin, std::int64_t exceedance_limit_ns)
    : origin_(origin),
      exceedance_limit_ns_(exceedance_limit_ns),
      histograms_(set.histogram_keys().size()),
      second_(set.histogram_keys().size(), Histogram(2)),
      intervals_(set.histogram_keys().size()),
      counters_(set.counters().size(), 0),
      errors_(set.error_kind_count(), 0) {
  series_.reserve(64);
}

SeriesPoint& Recorder::slot_at(core::TimePoint at) {
  const auto second = std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(at - origin_).count());
  // Slots are appended as time passes: one allocation a second at most, never per sample.
  while (series_.empty() || series_.back().second < second) {
    SeriesPoint point;
    point.second = series_.empty() ? 0 : series_.back().second + 1;
    series_.push_back(std::move(point));
  }
  if (series_.back().second == second) return series_.back();
  // A sample stamped earlier than the newest slot (completions may finish out of order).
  auto it = std::lower_bound(series_.begin(), series_.end(), second,
                             [](const SeriesPoint& p, std::int64_t s) { return p.second < s; });
  return *it;
}

namespace {

IntervalHistogram sparse(std::int64_t second, const Histogram& h) {
  IntervalHistogram out{second, {}};
  h.for_each_bucket([&out](std::int64_t, std::int64_t highest, std::uint64_t count) {
    out.values.emplace_back(highest, count);
  });
  return out;
}

}  // namespace

void merge_intervals(std::vector<IntervalHistogram>& into,
                     const std::vector<IntervalHistogram>& from) {
  std::vector<IntervalHistogram> out;
  out.reserve(into.size() + from.size());
  auto a = into.begin();
  auto b = from.begin();
  while (a != into.end() || b != from.end()) {
    if (b == from.end() || (a != into.end() && a->second < b->second)) {
      out.push_back(std::move(*a++));
    } else if (a == into.end() || b->second < a->second) {
      out.push_back(*b++);
    } else {  // one second on both sides: the union of values, counts of a value summed
      IntervalHistogram m{a->second, {}};
      auto x = a->values.begin();
      auto y = b->values.begin();
      while (x != a->values.end() || y != b->values.end()) {
        if (y == b->values.end() || (x != a->values.end() && x->first < y->first)) {
          m.values.push_back(*x++);
        } else if (x == a->values.end() || y->first < x->first) {
          m.values.push_back(*y++);
        } else {
          m.values.emplace_back(x->first, x->second + y->second);
          ++x;
          ++y;
        }
      }
      out.push_back(std::move(m));
      ++a;
      ++b;
    }
  }
  into = std::move(out);
}

void Recorder::advance_second(std::int64_t second) {
  if (second <= open_second_) return;
  for (std::size_t id = 0; id < second_.size(); ++id) {
    if (second_[id].count() == 0) continue;
    intervals_[id].push_back(sparse(open_second_, second_[id]));
    second_[id].reset();
  }
  open_second_ = second;
}

std::vector<IntervalHistogram> Recorder::intervals(MetricId id) const {
  std::vector<IntervalHistogram> out = intervals_[id];
  // The open second may be one a merge brought in already.
  if (second_[id].count() != 0) merge_intervals(out, {sparse(open_second_, second_[id])});
  return out;
}

void Recorder::note_time(core::TimePoint at, std::int64_t latency_ns, bool ok) {
  SeriesPoint& point = slot_at(at);
  advance_second(point.second);
  if (ok) {
    ++point.completed;
    point.latency.record(latency_ns);
  } else {
    ++point.failed;
  }
  if (exceedance_limit_ns_ > 0) {
    const auto slot = static_cast<std::size_t>(
        std::max<std::int64_t>(0, (at - origin_).count() / kExceedanceSlotNs));
    if (exceedance_.size() <= slot) exceedance_.resize(slot + 1);
    ++exceedance_[slot].total;
    // A failure counts as over the limit: it is no better than a slow answer.
    if (!ok || latency_ns > exceedance_limit_ns_) ++exceedance_[slot].over;
  }
}

void Recorder::operation_finished(core::TimePoint at, std::int64_t latency_ns, ErrorKind error,
                                  bool steady) {
  const bool ok = error == ErrorKind::kNone;
  ++attempted_;
  if (ok) {
    ++completed_;
    if (steady) ++steady_completed_;
  } else {
    ++failed_;
    const auto kind = static_cast<std::size_t>(error);
    ++errors_[kind < errors_.size() ? kind : static_cast<std::size_t>(ErrorKind::kOther)];
  }
  note_time(at, latency_ns, ok);
}

void Recorder::merge(const Recorder& other) {
  if (other.histograms_.size() > histograms_.size()) {
    histograms_.resize(other.histograms_.size());
    second_.resize(other.histograms_.size(), Histogram(2));
    intervals_.resize(other.histograms_.size());
  }
  for (std::size_t i = 0; i < other.histograms_.size(); ++i) {
    histograms_[i].merge(other.histograms_[i]);
    merge_intervals(intervals_[i], other.intervals(static_cast<MetricId>(i)));
  }
  if (other.counters_.size() > counters_.size()) counters_.resize(other.counters_.size(), 0);
  for (std::size_t i = 0; i < other.counters_.size(); ++i) counters_[i] += other.counters_[i];
  if (other.errors_.size() > errors_.size()) errors_.resize(other.errors_.size(), 0);
  for (std::size_t i = 0; i < other.errors_.size(); ++i) errors_[i] += other.errors_[i];
  for (const SeriesPoint& p : other.series_) {
    SeriesPoint& mine = slot_at(origin_ + std::chrono::seconds(p.second));
    mine.completed += p.completed;
    mine.failed += p.failed;
    mine.latency.merge(p.latency);
  }
  if (other.exceedance_.size() > exceedance_.size()) exceedance_.resize(other.exceedance_.size());
  for (std::size_t i = 0; i < other.exceedance_.size(); ++i) {
    exceedance_[i].total += other.exceedance_[i].total;
    exceedance_[i].over += other.exceedance_[i].over;
  }
  attempted_ += other.attempted_;
  completed_ += other.completed_;
  failed_ += other.failed_;
  interrupted_ += other.interrupted_;
  steady_completed_ += other.steady_completed_;
}

}  // namespace perfgate::metrics
