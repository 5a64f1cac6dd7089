// perfgate/http/flow.hpp - An HTTP user journey as a load::Workload.
//
// A Flow is what one virtual user does, Locust style: requests once at start (log in), then
// behaviours picked at random by weight on every iteration (read a profile, update it, ...), then
// requests once at stop (log out). Each user holds one keep-alive connection and its own variables
// (${username}, captured ${token}). Operation latency is per behaviour and tagged with its name
// (`latency{behaviour:read_profile}`); request phases go to `connect`, `tls_handshake` and `ttfb`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "perfgate/http/request_template.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/net/http_connection.hpp"

namespace perfgate::http {

struct Behaviour {
  std::string name;
  double weight = 1;
  std::vector<RequestSpec> requests;  // sent in order; the first failure ends the behaviour
};

struct Flow {
  std::vector<RequestSpec> on_start;
  std::vector<Behaviour> behaviours;
  std::vector<RequestSpec> on_stop;
  // Initial variables of user `index` (global over shards), e.g. its username and password.
  std::function<std::map<std::string, std::string>(std::uint64_t index)> user_variables;
};

class FlowWorkload final : public load::Workload {
 public:
  // Resolves the target and compiles the flow. Throws core::Error for a bad template, an empty
  // behaviour list or a non-positive weight.
  FlowWorkload(const net::Url& target, const net::ClientOptions& options, const Flow& flow);

  void declare(metrics::MetricSet& set) override;
  // Behaviour names, then "start" and "stop".
  load::OperationTags tags() const override;  // "behaviour"
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;

  struct Compiled;

 private:
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace perfgate::http
