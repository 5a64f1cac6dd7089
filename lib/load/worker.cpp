// worker.cpp - What both loops' workers do: record operations, keep users and sessions.
#include "worker.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "perfgate/metrics/catalog.hpp"

namespace perfgate::load::detail {

using metrics::ErrorKind;

Ids declare_ids(const Workload& workload, const LoadProfile& profile, metrics::MetricSet& set) {
  Ids ids;
  ids.latency = set.histogram("latency");
  if (const OperationTags tags = workload.tags(); !tags.key.empty()) {
    for (const std::string& v : tags.values) {
      ids.by_tag.push_back(set.histogram(metrics::tagged("latency", tags.key, v)));
      ids.failed_by_tag.push_back(set.counter(metrics::tagged("failed", tags.key, v)));
    }
  }
  if (profile.plan.stages().size() > 1) {
    for (std::size_t s = 1; s <= profile.plan.stages().size(); ++s) {
      ids.by_stage.push_back(set.histogram(metrics::tagged("latency", "stage", std::to_string(s))));
      ids.completed_by_stage.push_back(
          set.steady_rate(metrics::tagged("throughput", "stage", std::to_string(s)), s));
    }
  }
  ids.sessions_held = set.histogram("sessions_held");
  if (profile.open_loop()) {
    ids.schedule_lag = set.histogram("schedule_lag");
    ids.latency_uncorrected = set.histogram("latency_uncorrected");
  }
  return ids;
}

Worker::Worker(RunState& run, const metrics::MetricSet& set, std::uint32_t index,
               std::int64_t exceedance_limit_ns)
    : recorder(set, run.origin, exceedance_limit_ns),
      index(index),
      run_(run),
      context_{io,
               recorder,
               index,
               [&run](TimePoint at) { return run.is_steady(at); },
               [&run](TimePoint at) { return run.stage_at(at); },
               TimePoint{}} {}

void Worker::report_progress(ProgressBoard& board, std::int64_t before_second) {
  const auto& series = recorder.series();
  const std::lock_guard lock(board.mutex);
  for (; progress_cursor_ < series.size() && series[progress_cursor_].second < before_second;
       ++progress_cursor_) {
    board.latency.merge(series[progress_cursor_].latency);
  }
  board.counts[index] = {recorder.attempted(), recorder.completed(), recorder.failed()};
}

void Worker::finish(TimePoint began, OperationResult r, std::optional<TimePoint> sent,
                    Phase phase) {
  if (!r.counted) return;
  const TimePoint now = run_.clock.now();
  last_finish = std::max(last_finish, now);
  if (run_.cancelling.load(std::memory_order_relaxed)) {
    // Cut by the harness past graceful_stop: whatever error the driver reports for the
    // cancellation, the target did not fail it.
    recorder.operation_interrupted();
    return;
  }
  const Ids& ids = run_.ids;
  const std::int64_t latency = (now - began).count();
  // Throughput counts operations by their (intended) start: counted by their end, an open
  // loop at R/s with latency L would read R (T - L) / T over a window of T.
  const bool steady = run_.is_steady(began);
  if (r.error != ErrorKind::kNone) return record_failure(now, latency, r, steady);
  if (phase == Phase::kSetUp) {
    if (r.tag < ids.by_tag.size()) recorder.record(ids.by_tag[r.tag], latency);
    return;
  }
  recorder.operation_finished(now, latency, ErrorKind::kNone, steady);
  recorder.record(ids.latency, latency);
  if (sent) recorder.record(ids.latency_uncorrected, (now - *sent).count());
  if (r.tag < ids.by_tag.size()) recorder.record(ids.by_tag[r.tag], latency);
  if (!ids.by_stage.empty()) {
    const std::size_t stage = std::min(run_.stage_at(began) - 1, ids.by_stage.size() - 1);
    recorder.record(ids.by_stage[stage], latency);
    // Throughput per stage counts completions inside that stage's steady window.
    if (steady) recorder.add(ids.completed_by_stage[stage]);
  }
}

void Worker::record_failure(TimePoint at, std::int64_t latency, const OperationResult& r,
                            bool steady) {
  if (r.tag < run_.ids.failed_by_tag.size()) recorder.add(run_.ids.failed_by_tag[r.tag]);
  recorder.operation_finished(at, latency, r.error, steady);
}

UserSlot& Worker::add_user(std::uint64_t position, std::uint64_t global_index) {
  auto slot = std::make_unique<UserSlot>(io, run_.profile.seed * 7919 + global_index);
  slot->position = position;
  slot->user = run_.workload.make_user(context_, global_index);
  users.push_back(std::move(slot));
  return *users.back();
}

void Worker::session_lost(UserSlot& u) {
  if (!u.started) return;
  u.started = false;
  --run_.sessions_open;
}

void Worker::stop_user(UserSlot& u) {
  if (!u.started || run_.cancelling.load(std::memory_order_relaxed)) {
    retire(u);
    return;
  }
  u.busy = true;
  const TimePoint began = run_.clock.now();
  context_.operation_start = began;
  u.user->stop([this, &u, began](OperationResult r) {
    u.busy = false;
    finish(began, r, std::nullopt, Phase::kSetUp);
    retire(u);
  });
}

void Worker::retire(UserSlot& u) {
  if (u.retired) return;
  u.retired = true;
  if (u.started) --run_.sessions_open;
  u.started = false;
  --run_.live_users;
}

void Worker::request_stop_all() {
  for (auto& slot : users) {
    slot->stop_requested = true;
    if (!slot->busy && !slot->retired) {
      slot->think.cancel();
      UserSlot& u = *slot;
      boost::asio::post(io, [this, &u] {
        if (!u.busy && !u.retired) stop_user(u);
      });
    }
  }
}

void Worker::cancel_all() {
  for (auto& slot : users) {
    if (slot->busy) slot->user->cancel();
  }
}

}  // namespace perfgate::load::detail
