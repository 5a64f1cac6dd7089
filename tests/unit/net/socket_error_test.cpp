// socket_error_test - A failed connect is counted under a kind a user can act on.
#include "perfgate/net/socket_error.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <cerrno>

namespace perfgate::net {
namespace {

using metrics::ErrorKind;

boost::system::error_code sys(int e) { return {e, boost::system::system_category()}; }

TEST(ConnectErrorKindTest, EachCauseHasItsKind) {
  EXPECT_EQ(connect_error_kind(boost::asio::error::connection_refused), ErrorKind::kRefused);
  EXPECT_EQ(connect_error_kind(sys(ETIMEDOUT)), ErrorKind::kTimeout);
  EXPECT_EQ(connect_error_kind(sys(ECONNRESET)), ErrorKind::kReset);
  EXPECT_EQ(connect_error_kind(sys(EHOSTUNREACH)), ErrorKind::kUnreachable);
  EXPECT_EQ(connect_error_kind(sys(ENETUNREACH)), ErrorKind::kUnreachable);
  // perfgate's own limits are named as such, not blamed on the target as "other".
  EXPECT_EQ(connect_error_kind(sys(EADDRNOTAVAIL)), ErrorKind::kLoadgenPorts);
  EXPECT_EQ(connect_error_kind(sys(EMFILE)), ErrorKind::kLoadgenFiles);
  EXPECT_EQ(connect_error_kind(sys(ENFILE)), ErrorKind::kLoadgenFiles);
  EXPECT_EQ(connect_error_kind(sys(EPROTO)), ErrorKind::kOther);
  EXPECT_EQ(connect_error_kind(boost::beast::error::timeout), ErrorKind::kOther);
}

TEST(ConnectErrorKindTest, KindsHaveTheirNames) {
  EXPECT_EQ(metrics::error_kind_name(ErrorKind::kUnreachable), "unreachable");
  EXPECT_EQ(metrics::error_kind_name(ErrorKind::kLoadgenPorts), "loadgen_ports");
  EXPECT_EQ(metrics::error_kind_name(ErrorKind::kLoadgenFiles), "loadgen_files");
  EXPECT_EQ(metrics::error_kind_name(ErrorKind::kOther), "other");
}

}  // namespace
}  // namespace perfgate::net
