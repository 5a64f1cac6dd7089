// reference_service_test - The reference service defends itself as a real service must: requests,
// headers, connections and login sessions are bounded (413, 431, 503 beyond each limit, never a
// crash or unbounded memory), and its session tokens are long, random and never repeat.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace perfgate {
namespace {

using testing::raw_exchange;

// The status code of a raw HTTP response ("HTTP/1.1 413 ..." -> 413), or 0.
int status_of(const std::string& response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

std::string login_request(int user) {
  const std::string body = R"({"username": "user)" + std::to_string(user) +
                           R"(", "password": "pass)" + std::to_string(user) + R"("})";
  return "POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Each request lands on its route of the route table (method and path pattern), and /metrics
// counts it under that route's name; what matches no row is a 404 counted as not_found.
TEST(ReferenceService, EveryRouteAnswersAndIsCountedUnderItsName) {
  testing::ReferenceService service;
  const auto get = [&](const std::string& target, const std::string& method = "GET") {
    return raw_exchange(service.port(), method + " " + target +
                                            " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                            "Content-Length: 0\r\n\r\n");
  };
  EXPECT_EQ(status_of(get("/health")), 200);
  EXPECT_EQ(status_of(get("/health?probe=1")), 200);
  EXPECT_EQ(status_of(get("/health", "POST")), 404);
  EXPECT_EQ(status_of(get("/delay/5")), 200);
  EXPECT_EQ(status_of(get("/delay/soon")), 400);
  EXPECT_EQ(status_of(get("/users/7/profile")), 401);  // a token is needed
  EXPECT_EQ(status_of(get("/users/me/profile", "PUT")), 401);
  EXPECT_EQ(status_of(get("/users/me")), 401);
  EXPECT_EQ(status_of(get("/nowhere")), 404);
  EXPECT_EQ(status_of(get("/users//profile")), 401);  // an empty id is the handler's to refuse
  const std::string metrics = service.metrics();
  for (const std::string_view counted :
       {R"(route="/health",code="2xx"} 2)", R"(route="/delay/{ms}",code="2xx"} 1)",
        R"(route="/delay/{ms}",code="4xx"} 1)", R"(route="/users/{id}/profile",code="4xx"} 2)",
        R"(route="/users/me/profile",code="4xx"} 1)", R"(route="/users/me",code="4xx"} 1)",
        R"(route="not_found",code="4xx"} 2)"}) {
    EXPECT_NE(metrics.find("perfgate_reference_requests_total{" + std::string(counted)),
              std::string::npos)
        << counted << "\n"
        << metrics.substr(0, 3000);
  }
}

// The CPU time (user + system) a process has used, from /proc/<pid>/stat, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // past "pid (comm) "
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// --work spends CPU on every API response (a slower code path, where --latency waits on a
// timer): ten logins at 20 ms of work use at least 200 ms of the service's CPU; /health, not an
// API route, none.
TEST(ReferenceService, WorkIsCpuTimeSpentOnEveryApiResponse) {
  testing::ReferenceService service({"--work", "20ms"});
  const double before = cpu_seconds(service.pid());
  for (int user = 1; user <= 10; ++user) {
    EXPECT_EQ(status_of(raw_exchange(service.port(), login_request(user))), 200);
  }
  const double after_logins = cpu_seconds(service.pid());
  EXPECT_GE(after_logins - before, 0.2 - 0.02);  // /proc counts in 10 ms ticks
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(status_of(raw_exchange(
                  service.port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
              200);
  }
  EXPECT_LT(cpu_seconds(service.pid()) - after_logins, 0.1);
}

TEST(ReferenceService, RequestBodyBeyondTheLimitIs413) {
  testing::ReferenceService service({"--max-body", "1KiB"});
  // Declared too large: refused from the header, before any of the body is read.
  const auto declared = raw_exchange(
      service.port(),
      "POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100000000\r\n"
      "\r\n");
  EXPECT_EQ(status_of(declared), 413) << declared;
  EXPECT_NE(body_of(declared).find("request body too large"), std::string::npos) << declared;
  // Within the limit: served.
  EXPECT_EQ(status_of(raw_exchange(service.port(), login_request(1))), 200);
  // Chunked, with no length declared: counted as it arrives.
  std::string chunked =
      "POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "200\r\n" + std::string(512, 'x') + "\r\n";
  EXPECT_EQ(status_of(raw_exchange(service.port(), chunked + "0\r\n\r\n")), 413);
}

TEST(ReferenceService, RequestHeaderBeyondTheLimitIs431) {
  testing::ReferenceService service({"--max-header", "2KiB"});
  const auto big = raw_exchange(
      service.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(4096, 'p') +
                          "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(big), 431) << big;
  EXPECT_EQ(status_of(raw_exchange(service.port(),
                                   "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            200);
}

TEST(ReferenceService, GarbageIsA400AndTheServiceStaysUp) {
  testing::ReferenceService service;
  EXPECT_EQ(status_of(raw_exchange(service.port(), std::string("\x01\x02 not http\r\n\r\n"))), 400);
  EXPECT_EQ(status_of(raw_exchange(service.port(),
                                   "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            200);
}

TEST(ReferenceService, ConnectionsBeyondTheLimitAre503) {
  testing::ReferenceService service({"--max-connections", "4"});
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(testing::connect_to_loopback(service.port()));
  ::usleep(200'000);  // the service has accepted all four
  const std::string health = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const auto refused = raw_exchange(service.port(), health);
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_NE(body_of(refused).find("connection limit reached"), std::string::npos);
  for (const int fd : held) ::close(fd);
  ::usleep(200'000);  // the service has seen them close
  EXPECT_EQ(status_of(raw_exchange(service.port(), health)), 200);
}

TEST(ReferenceService, LoginSessionsBeyondTheLimitAre503AndTokensAreRandom) {
  testing::ReferenceService service({"--max-sessions", "3"});
  std::set<std::string> tokens;
  for (int user = 1; user <= 3; ++user) {
    const auto response = raw_exchange(service.port(), login_request(user));
    ASSERT_EQ(status_of(response), 200) << response;
    const std::string token = nlohmann::json::parse(body_of(response))["token"];
    // 32 bytes from a cryptographic source, hex: nothing a client could guess or count up to.
    EXPECT_EQ(token.size(), 64u);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 3u);
  const auto over = raw_exchange(service.port(), login_request(4));
  EXPECT_EQ(status_of(over), 503) << over;
  EXPECT_NE(body_of(over).find("session limit reached"), std::string::npos);
}

}  // namespace
}  // namespace perfgate
