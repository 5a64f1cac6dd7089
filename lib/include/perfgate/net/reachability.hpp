// perfgate/net/reachability.hpp - Whether a target accepts TCP connections, asked once before a
// run so that a wrong host or port is one clear error instead of a run full of refused requests.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "perfgate/net/url.hpp"

namespace perfgate::net {

// Resolves the URL's host and opens (then closes) one TCP connection to it within `timeout`; for
// https:// and wss:// it also completes the TLS handshake (verifying the certificate and host
// name unless `insecure`), since a TLS URL pointed at a plain port accepts the connection and
// then fails every request. Returns why it could not ("Connection refused", "host 'x' not
// found", "TLS handshake failed: wrong version number", "no connection within 5000ms"), or
// nothing when the target is reachable. Sends no HTTP: that is the run's business.
std::optional<std::string> unreachable_reason(const Url& url, std::chrono::milliseconds timeout,
                                              bool insecure = false);

}  // namespace perfgate::net
