// flows.hpp - The user journeys of the concurrent-users suite, written against the reference
// service's API (POST /auth/login, GET /users/{id}/profile, ...). Only behaviour lives here; every
// number (users, rates, durations, limits) lives in thresholds/concurrent_users.json.
#pragma once

#include <string>
#include <vector>

#include "perfgate/http/flow.hpp"

namespace perfgate::suites::concurrent_users {

using http::Behaviour;
using http::RequestSpec;

// The reference service seeds user1..user1000 with passwords pass1..pass1000.
inline constexpr std::uint64_t kSeededUsers = 1000;

inline RequestSpec login() {
  return RequestSpec::post("/auth/login")
      .named("login")
      .json(R"({"username": "${username}", "password": "${password}"})")
      .capture("token", "/token")
      .capture("user_id", "/user_id");
}

inline RequestSpec logout() {
  return RequestSpec::post("/auth/logout").named("logout").bearer("${token}").expect(204);
}

inline RequestSpec read_profile() {
  return RequestSpec::get("/users/${user_id}/profile").named("read_profile").bearer("${token}");
}

inline RequestSpec update_profile() {
  return RequestSpec::put("/users/me/profile")
      .named("update_profile")
      .bearer("${token}")
      .json(R"({"bio": "updated by virtual user ${username}"})");
}

inline RequestSpec whoami() {
  return RequestSpec::get("/users/me").named("whoami").bearer("${token}");
}

inline RequestSpec health() { return RequestSpec::get("/health").named("health"); }

// A logged-in user: logs in at start (one seeded account per virtual user), out at stop.
inline http::Flow logged_in_user(std::vector<Behaviour> behaviours) {
  http::Flow flow;
  flow.user_variables = [](std::uint64_t index) {
    const std::string id = std::to_string(index % kSeededUsers + 1);
    return std::map<std::string, std::string>{{"username", "user" + id}, {"password", "pass" + id}};
  };
  flow.on_start = {login()};
  flow.behaviours = std::move(behaviours);
  flow.on_stop = {logout()};
  return flow;
}

// The everyday mix used by the ramp, sustained, peak and spike scenarios.
inline http::Flow browsing_user() {
  return logged_in_user(
      {{"read_profile", 8, {read_profile()}}, {"update_profile", 2, {update_profile()}}});
}

// The whole session life cycle, with credentials the service must refuse: a token after logout, an
// expired token (issued with a lifetime of 0 ms) and a made-up token.
inline http::Flow session_lifecycle_user() {
  return logged_in_user({
      {"read_profile", 40, {read_profile()}},
      {"update_profile", 20, {update_profile()}},
      {"whoami", 10, {whoami()}},
      {"relogin", 10, {logout(), whoami().named("revoked_token").must_be_rejected(), login()}},
      {"expired_token",
       10,
       {RequestSpec::post("/auth/login")
            .named("login_short_lived")
            .json(R"({"username": "${username}", "password": "${password}", "ttl_ms": 0})")
            .capture("expired_token", "/token"),
        RequestSpec::get("/users/me")
            .named("expired_token")
            .bearer("${expired_token}")
            .must_be_rejected()}},
      {"invalid_token",
       10,
       {RequestSpec::get("/users/me")
            .named("invalid_token")
            .bearer("not-a-token-${username}")
            .must_be_rejected()}},
  });
}

// Locust-style task weights with think time: 70% read profile, 20% update, 10% health check.
inline http::Flow weighted_user() {
  return logged_in_user({{"read_profile", 70, {read_profile()}},
                         {"update_profile", 20, {update_profile()}},
                         {"health", 10, {health()}}});
}

}  // namespace perfgate::suites::concurrent_users
