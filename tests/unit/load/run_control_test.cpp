// run_control_test - When a run stops and how many closed-loop users it runs, on a ManualClock:
// exact times, no sleeping.
#include "perfgate/load/run_control.hpp"

#include <gtest/gtest.h>

namespace perfgate::load {
namespace {

using namespace std::chrono_literals;
using Step = StopSequence::Step;

TEST(StopSequenceTest, UsersGetTheirGracefulTimeThenOneCancelThenTheCancelGrace) {
  core::ManualClock clock;
  StopSequence stop(clock, 2s, 5s);
  EXPECT_EQ(stop.next(3), Step::kWait);
  clock.advance(1999ms);
  EXPECT_EQ(stop.next(1), Step::kWait);
  EXPECT_FALSE(stop.cancelled());
  clock.advance(1ms);  // graceful time over with one user live
  EXPECT_EQ(stop.next(1), Step::kCancel);
  EXPECT_TRUE(stop.cancelled());
  EXPECT_EQ(stop.next(1), Step::kWait);  // cancel is asked once, then its grace runs
  clock.advance(4999ms);
  EXPECT_EQ(stop.next(1), Step::kWait);
  clock.advance(1ms);  // a driver that ignores cancel() does not hang the run
  EXPECT_EQ(stop.next(1), Step::kAbandon);
}

TEST(StopSequenceTest, ARunWhoseUsersRetireInTimeIsDoneWithoutCancelling) {
  core::ManualClock clock;
  StopSequence stop(clock, 2s, 5s);
  clock.advance(500ms);
  EXPECT_EQ(stop.next(2), Step::kWait);
  EXPECT_EQ(stop.next(0), Step::kDone);
  EXPECT_FALSE(stop.cancelled());
  // Cancelled users that report within the grace end it as done too.
  StopSequence late(clock, 0s, 5s);
  EXPECT_EQ(late.next(4), Step::kCancel);
  clock.advance(3s);
  EXPECT_EQ(late.next(0), Step::kDone);
}

TEST(StopSequenceTest, AnInterruptedRunWaitsAtMostOneSecond) {
  EXPECT_EQ(graceful_time(30s, false), 30s);
  EXPECT_EQ(graceful_time(30s, true), 1s);
  EXPECT_EQ(graceful_time(200ms, true), 200ms);
}

TEST(ClosedLoopUsersTest, FollowThePlanAndShareItAmongShards) {
  const StagePlan plan(0, {{10s, 10}, {10s, 10}, {10s, 0}});  // ramp to 10, hold, ramp down
  EXPECT_EQ(closed_loop_users_at(plan, 0s, 0, 1), 0u);
  EXPECT_EQ(closed_loop_users_at(plan, 5s, 0, 1), 5u);
  EXPECT_EQ(closed_loop_users_at(plan, 5999ms, 0, 1), 5u);  // rounded down
  EXPECT_EQ(closed_loop_users_at(plan, 15s, 0, 1), 10u);
  EXPECT_EQ(closed_loop_users_at(plan, 25s, 0, 1), 5u);
  // Three shards hold 10 users as 4 + 3 + 3.
  EXPECT_EQ(closed_loop_users_at(plan, 15s, 0, 3), 4u);
  EXPECT_EQ(closed_loop_users_at(plan, 15s, 1, 3), 3u);
  EXPECT_EQ(closed_loop_users_at(plan, 15s, 2, 3), 3u);
}

}  // namespace
}  // namespace perfgate::load
