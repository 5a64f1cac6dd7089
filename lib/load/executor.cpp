// executor.cpp - run(): what every executor shares.
//
// Threading: each Worker (worker.hpp) owns an io_context, a Recorder and its users; everything
// about a user happens on its worker's thread. The calling thread is the controller: run() makes
// the Executor (closed_loop.cpp or open_loop.cpp), which makes the workers; starts their threads;
// lets the executor set up and begin; runs the controller loop (control(): the executor's tick,
// sessions_held samples, progress) and the stop (stop(): graceful, then cancel; run_control.hpp
// decides when). It talks to workers only by posting.
#include "perfgate/load/executor.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "loop_executor.hpp"
#include "perfgate/load/run_control.hpp"

namespace perfgate::load {

namespace asio = boost::asio;
using core::TimePoint;
using detail::Executor;
using detail::ProgressBoard;
using detail::RunState;
using detail::Worker;

namespace {

constexpr auto kControllerTick = std::chrono::milliseconds(10);
constexpr auto kSessionSampleEvery = std::chrono::milliseconds(100);

// What the controller loop ended with.
struct Control {
  bool interrupted = false;
  TimePoint end_of_load;
  std::uint64_t peak_sessions = 0;
};

// The controller loop: every kControllerTick until the plan ends, the load is exhausted or a stop
// is asked for, the executor's tick, a sessions_held sample every kSessionSampleEvery, and the
// progress report.
Control control(RunState& shared, Executor& executor, metrics::Recorder& controller,
                const RunOptions& options) {
  const LoadProfile& profile = shared.profile;
  const core::Clock& clock = shared.clock;
  const auto& workers = executor.workers();
  Control c;
  TimePoint next_sample = shared.origin;
  TimePoint tick = shared.origin;
  ProgressBoard board(workers.size());
  TimePoint next_progress = shared.origin + options.progress_every;
  std::uint64_t last_completed = 0;
  std::this_thread::sleep_until(shared.origin);
  for (;;) {
    const TimePoint now = clock.now();
    const core::Nanos t = now - shared.origin;
    if (options.stop_requested && options.stop_requested->load()) {
      c.interrupted = true;
      break;
    }
    if (t >= profile.plan.total() || shared.ending.load() || executor.exhausted()) break;
    executor.tick(t);
    if (now >= next_sample) {
      const std::uint64_t held = shared.sessions_open.load();
      controller.record(shared.ids.sessions_held, static_cast<std::int64_t>(held));
      c.peak_sessions = std::max(c.peak_sessions, held);
      next_sample += kSessionSampleEvery;
    }
    if (options.on_progress && now >= next_progress) {
      // Figures handed over since the last tick; this tick's requests are answered by the next.
      Progress p;
      p.elapsed = t;
      p.total = profile.plan.total();
      {
        const std::lock_guard lock(board.mutex);
        for (const auto& count : board.counts) {
          p.attempted += count.attempted;
          p.completed += count.completed;
          p.failed += count.failed;
        }
        if (board.latency.count() != 0) p.p95_ns = board.latency.percentile(95);
      }
      p.completed_per_s = static_cast<double>(p.completed - std::min(p.completed, last_completed)) /
                          std::chrono::duration<double>(options.progress_every).count();
      last_completed = p.completed;
      p.sessions = shared.sessions_open.load();
      options.on_progress(p);
      const auto before_second = std::chrono::duration_cast<std::chrono::seconds>(t).count();
      for (auto& w : workers) {
        Worker* wp = w.get();
        asio::post(w->io,
                   [wp, &board, before_second] { wp->report_progress(board, before_second); });
      }
      next_progress += options.progress_every;
    }
    tick += kControllerTick;
    std::this_thread::sleep_until(tick);
  }
  c.end_of_load = clock.now();
  return c;
}

// The stop: users are asked to stop and get their graceful time (StopSequence); those still live
// are cancelled; then the workers' threads end.
void stop(RunState& shared, Executor& executor, bool interrupted) {
  shared.interrupted = interrupted;
  shared.ending = true;
  executor.post_all([](Worker& w) { w.request_stop_all(); });
  StopSequence sequence(shared.clock, graceful_time(shared.profile.graceful_stop, interrupted),
                        detail::kCancelGrace);
  for (;;) {
    const StopSequence::Step step = sequence.next(shared.live_users.load());
    if (step == StopSequence::Step::kDone || step == StopSequence::Step::kAbandon) break;
    if (step == StopSequence::Step::kCancel) {
      shared.cancelling = true;
      executor.post_all([](Worker& w) { w.cancel_all(); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

ExecutorOutcome run(Workload& workload, const LoadProfile& profile_in, metrics::MetricSet& set,
                    const RunOptions& options) {
  LoadProfile profile = profile_in;
  if (profile.threads == 0) profile.threads = std::max(1u, std::thread::hardware_concurrency());
  if (profile.shard.count == 0 || profile.shard.index >= profile.shard.count) {
    throw std::invalid_argument("shard index must be below the shard count");
  }
  // The controller's clock; workers time operations with the steady clock it reads.
  const core::Clock& clock = core::SystemClock::instance();
  workload.declare(set);
  if (profile.plan.stages().size() > 1) workload.declare_stages(set, profile.plan.stages().size());
  RunState shared{workload,
                  profile,
                  clock,
                  detail::declare_ids(workload, profile, set),
                  profile.plan.steady_windows(),
                  clock.now() + std::chrono::milliseconds(20)};
  metrics::Recorder controller(set, shared.origin);
  const std::unique_ptr<Executor> executor =
      profile.open_loop() ? detail::make_open_loop_executor(shared, set, options)
                          : detail::make_closed_loop_executor(shared, set, options);
  executor->prepare();
  const auto& workers = executor->workers();

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : workers) {
    guards.emplace_back(w->io.get_executor());
    Worker* wp = w.get();
    w->thread = std::thread([wp] { wp->io.run(); });
  }
  const std::optional<SetUpOutcome> setup = executor->set_up(controller);
  const bool measure = !shared.ending.load();  // false when set-up started no slot
  executor->begin(measure);
  const Control c = control(shared, *executor, controller, options);
  executor->load_ended(c.end_of_load - shared.origin);
  stop(shared, *executor, c.interrupted);
  guards.clear();
  for (auto& w : workers) {
    // Every user has retired (or a driver ignored cancel(): do not hang). What is left on the
    // io_context (an idle connection's deadline watchdog, a keep-alive ping) is not part of the
    // run and must not hold it open.
    w->io.stop();
    w->thread.join();
  }
  const TimePoint finished = clock.now();

  ExecutorOutcome outcome(std::move(controller));
  outcome.interrupted = c.interrupted;
  outcome.setup = setup;
  outcome.peak_sessions = c.peak_sessions;
  for (auto& w : workers) outcome.recorder.merge(w->recorder);
  const TimePoint window_end = c.interrupted ? c.end_of_load : executor->window_end(c.end_of_load);
  outcome.steady_seconds = profile.plan.steady_seconds(window_end - shared.origin);
  if (!shared.ids.by_stage.empty()) {
    outcome.stage_steady_seconds = profile.plan.stage_steady_seconds(window_end - shared.origin);
  }
  outcome.duration_s = std::chrono::duration<double>(finished - shared.origin).count();
  // Users (and their sockets) must go before their io_context.
  for (auto& w : workers) w->users.clear();
  return outcome;
}

}  // namespace perfgate::load
