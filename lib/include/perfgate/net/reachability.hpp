// perfgate/net/reachability.hpp - Whether a target accepts TCP connections, asked once before a
// run so that a wrong host or port is one clear error instead of a run full of refused requests.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "perfgate/net/url.hpp"

namespace perfgate::net {

// Resolves the URL's host and opens (then closes) one TCP connection to it within `timeout`.
// Returns why it could not ("connection refused", "timed out after 3s", "host not found"), or
// nothing when the target is reachable. Sends no bytes: TLS and HTTP are the run's business.
std::optional<std::string> unreachable_reason(const Url& url, std::chrono::milliseconds timeout);

}  // namespace perfgate::net
