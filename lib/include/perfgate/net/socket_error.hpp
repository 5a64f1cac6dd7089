// perfgate/net/socket_error.hpp - The error kind of a failed connect, for every driver alike.
#pragma once

#include <boost/system/error_code.hpp>

#include "perfgate/metrics/error_kind.hpp"

namespace perfgate::net {

// The kind a failed TCP connect is counted under: refused, timeout, reset, unreachable, or
// perfgate's own limits (loadgen_ports when no local port is free, loadgen_files at the open-files
// limit); other for the rest. A user can act on each named kind (see metrics::ErrorKind).
metrics::ErrorKind connect_error_kind(const boost::system::error_code& ec);

}  // namespace perfgate::net
