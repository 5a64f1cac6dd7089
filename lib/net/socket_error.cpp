// socket_error.cpp - Failed connects to error kinds.
#include "perfgate/net/socket_error.hpp"

#include <cerrno>

namespace perfgate::net {

metrics::ErrorKind connect_error_kind(const boost::system::error_code& ec) {
  using metrics::ErrorKind;
  if (ec.category() != boost::system::system_category()) return ErrorKind::kOther;
  switch (ec.value()) {
    case ECONNREFUSED:
      return ErrorKind::kRefused;
    case ETIMEDOUT:
      return ErrorKind::kTimeout;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
      return ErrorKind::kReset;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
      return ErrorKind::kUnreachable;
    case EADDRNOTAVAIL:
    case EADDRINUSE:  // bind() or connect() found every port of the source address taken
      return ErrorKind::kLoadgenPorts;
    case EMFILE:
    case ENFILE:
      return ErrorKind::kLoadgenFiles;
    default:
      return ErrorKind::kOther;
  }
}

}  // namespace perfgate::net
