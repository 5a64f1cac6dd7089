// hot_path_benchmark.cpp - What perfgate does per request, per sample and per gate, timed.
//
// Each figure is the cost of one unit of work on the load generator's hot path:
//   histogram record (per sample; target <= 5 ns), percentile query, merge (per shard or thread),
//   SSE parsing (bytes/s of a realistic chat-completions stream), HTTP response handling (per
//   response: parse status, headers and body as the client does) and threshold evaluation (per
//   run, over a real suite's table).
// Gated in `ctest -L performance` by thresholds/hot_path.json (perfgate_add_benchmark: `perfgate
// benchmark` runs it with the table's repetitions and judges each repetition's figures);
// scripts/bench runs it with --benchmark_out=... and puts the figures in its summary table.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/llm/sse.hpp"
#include "perfgate/metrics/histogram.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/net/response_reader.hpp"

namespace {

using perfgate::metrics::Histogram;

// Latencies as a loaded service gives them: log-normal around 2 ms, in nanoseconds.
std::vector<std::int64_t> latencies(std::size_t n, std::uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(2e6), 0.6);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = static_cast<std::int64_t>(d(rng));
  return out;
}

Histogram filled(std::size_t n, std::uint64_t seed) {
  Histogram h;
  for (const auto v : latencies(n, seed)) h.record(v);
  return h;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = latencies(1 << 16);
  Histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramPercentile(benchmark::State& state) {
  const Histogram h = filled(1'000'000, 1);
  double p = 50;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.percentile(p));
    p = p >= 99.9 ? 50 : p + 7.3;  // different ranks, so no two queries are the same
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramPercentile);

void BM_HistogramMerge(benchmark::State& state) {
  const Histogram shard = filled(100'000, 2);
  Histogram total;
  for (auto _ : state) {
    total.merge(shard);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramMerge);

// A chat-completions stream as OpenAI-compatible servers send it: one `data:` event per token.
std::string chat_stream(int tokens) {
  std::string s;
  for (int i = 0; i < tokens; ++i) {
    s += R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"ref-small","choices":[{"index":0,"delta":{"content":" token)" +
         std::to_string(i) +
         R"("},"finish_reason":null}]})"
         "\n\n";
  }
  s += "data: [DONE]\n\n";
  return s;
}

void BM_SseParse(benchmark::State& state) {
  const std::string stream = chat_stream(256);
  // Delivered as a socket would: in reads of at most 4 KiB, split anywhere.
  const std::size_t read_size = 4096;
  std::size_t events = 0;
  for (auto _ : state) {
    perfgate::llm::SseParser parser([&](const perfgate::llm::SseEvent& e) {
      events += 1;
      benchmark::DoNotOptimize(e.data.data());
    });
    for (std::size_t at = 0; at < stream.size(); at += read_size) {
      parser.feed(std::string_view(stream).substr(at, read_size));
    }
  }
  benchmark::DoNotOptimize(events);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_SseParse);

// nginx's answer to a static GET, as it arrives on a keep-alive connection.
constexpr std::string_view kNginxResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Mon, 23 Nov 2026 15:20:24 GMT\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 16\r\n"
    "Last-Modified: Mon, 23 Nov 2026 15:19:01 GMT\r\n"
    "Connection: keep-alive\r\n"
    "ETag: \"6922fa45-10\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n"
    "hello, perfgate\n";

// A test-only switch: PERFGATE_TEST_SLOWER=20 makes BM_HttpResponse parse every fifth response
// twice (20% more work), so tests and scripts/gate-power can check that the gate catches it.
std::uint32_t slower_every() {
  const char* s = std::getenv("PERFGATE_TEST_SLOWER");
  const double percent = s ? std::atof(s) : 0;
  return percent > 0 ? static_cast<std::uint32_t>(std::lround(100 / percent)) : 0;
}

void BM_HttpResponse(benchmark::State& state) {
  perfgate::net::ResponseReader reader(perfgate::net::ResponseLimits{});
  std::size_t body_bytes = 0;
  const std::uint32_t again_every = slower_every();
  std::uint32_t n = 0;
  const auto parse = [&] {
    reader.reset();
    const auto r = reader.feed(kNginxResponse, [&](std::string_view b) { body_bytes += b.size(); });
    benchmark::DoNotOptimize(r);
  };
  for (auto _ : state) {
    parse();
    if (again_every != 0 && ++n == again_every) {
      n = 0;
      parse();
    }
  }
  benchmark::DoNotOptimize(body_bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpResponse);

// Evaluating the concurrent-users table's biggest scenario against a run with its metrics.
void BM_ThresholdEvaluate(benchmark::State& state) {
  const auto table =
      perfgate::config::load_table(PERFGATE_SOURCE_DIR "/thresholds/concurrent_users.json", "ci");
  const auto& scenario = table.scenario("gradual_ramp_up");
  perfgate::metrics::RunResult run;
  run.attempted = run.completed = 100'000;
  run.histograms.emplace("latency", filled(100'000, 3));
  for (int stage = 1; stage <= 6; ++stage)
    run.histograms.emplace("latency{stage:" + std::to_string(stage) + "}", filled(10'000, stage));
  run.rates.emplace("error_rate", perfgate::metrics::RateFigure{0, 100'000});
  for (auto _ : state) {
    perfgate::config::evaluate(scenario, run);
    benchmark::DoNotOptimize(run.passed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ThresholdEvaluate);

}  // namespace

BENCHMARK_MAIN();
