// tls_test - Integration tests for TLS in lib/http: certificates are verified unless the target
// is marked insecure. The server is a real one: `openssl s_server` with a self-signed certificate
// made for the test.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "perfgate/net/http_connection.hpp"
#include "process.hpp"

namespace perfgate::net {
namespace {

using metrics::ErrorKind;
namespace bhttp = boost::beast::http;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir());
    const auto made = testing::run_program(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", *dir_ + "/key.pem",
         "-out", *dir_ + "/cert.pem", "-subj", "/CN=localhost", "-days", "1"},
        {});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    port_ = testing::unused_port();
    server_ = new testing::BackgroundProcess({"openssl", "s_server", "-accept",
                                              std::to_string(port_), "-cert", *dir_ + "/cert.pem",
                                              "-key", *dir_ + "/key.pem", "-www", "-quiet"});
    ASSERT_TRUE(testing::BackgroundProcess::wait_for_port(port_, std::chrono::seconds(10)));
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  Exchange get(bool insecure) {
    ClientOptions o;
    o.insecure = insecure;
    auto origin =
        std::make_shared<Origin>(Url::parse("https://localhost:" + std::to_string(port_)), o);
    boost::asio::io_context io;
    Connection c(io, origin);
    Exchange result;
    c.send(Request{bhttp::verb::get, "/", 11}, [&](Exchange&& ex) { result = std::move(ex); });
    io.run();
    return result;
  }

  static std::string* dir_;
  static std::uint16_t port_;
  static testing::BackgroundProcess* server_;
};
std::string* TlsTest::dir_ = nullptr;
std::uint16_t TlsTest::port_ = 0;
testing::BackgroundProcess* TlsTest::server_ = nullptr;

TEST_F(TlsTest, SelfSignedCertificateFailsVerificationByDefault) {
  const Exchange ex = get(/*insecure=*/false);
  EXPECT_EQ(ex.error, ErrorKind::kTls) << ex.detail;
  EXPECT_EQ(ex.status, 0u);
  EXPECT_NE(ex.detail.find("certificate verify failed"), std::string::npos) << ex.detail;
}

TEST_F(TlsTest, InsecureTargetSkipsVerificationAndTimesTheHandshake) {
  const Exchange ex = get(/*insecure=*/true);
  EXPECT_EQ(ex.error, ErrorKind::kNone) << ex.detail;
  EXPECT_EQ(ex.status, 200u);
  EXPECT_TRUE(ex.tls_handshake.has_value());
  EXPECT_TRUE(ex.connect.has_value());
}

}  // namespace
}  // namespace perfgate::net
