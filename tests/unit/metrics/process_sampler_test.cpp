// process_sampler_test - The sampler's thread stops when asked, not when its interval ends.
#include "perfgate/metrics/process_sampler.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/clock.hpp"

namespace perfgate::metrics {
namespace {

// An hour's interval: were stop() to wait for the sampler's next tick, this test would hang until
// CTest's timeout. The one sample taken at stop holds perfgate's memory; no CPU share, since a
// few milliseconds are too few clock ticks for one.
TEST(ProcessSamplerTest, StopWakesTheSamplerAndTakesALastSampleOfMemoryOnly) {
  MetricSet set;
  ProcessSampler sampler(set, std::nullopt, std::chrono::hours(1));
  sampler.start(core::SteadyClock::now());
  sampler.stop();
  const Histogram& rss = sampler.recorder().histogram(set.histogram("loadgen_rss"));
  ASSERT_EQ(rss.count(), 1u);
  EXPECT_GT(rss.max(), 1 << 20);  // a process holds more than a MiB
  EXPECT_EQ(sampler.recorder().histogram(set.histogram("loadgen_cpu")).count(), 0u);
  sampler.stop();  // idempotent
}

}  // namespace
}  // namespace perfgate::metrics
