// probe_test - The round-trip message codec and the accounting of sent/received/missing messages.
#include "perfgate/ws/probe.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/error.hpp"
#include "perfgate/ws/ledger.hpp"
#include "perfgate/ws/workload.hpp"

namespace perfgate::ws {
namespace {

TEST(Probe, TextRoundTripsAtTheSizeAsked) {
  const Probe p{42, 1'700'000'000'123'456'789, "lobby"};
  const std::string text = encode_probe(p, Format::kText, 128);
  EXPECT_EQ(text.size(), 128u);
  EXPECT_TRUE(text.starts_with(R"({"seq":42,"sent_ns":1700000000123456789,"room":"lobby")"));
  const auto back = decode_probe(text, Format::kText);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, 42u);
  EXPECT_EQ(back->sent_ns, p.sent_ns);
  EXPECT_EQ(back->room, "lobby");
}

TEST(Probe, SmallSizeStillCarriesEverything) {
  const std::string text = encode_probe({7, 99, {}}, Format::kText, 1);
  EXPECT_EQ(text, R"({"seq":7,"sent_ns":99})");
  const auto back = decode_probe(text, Format::kText);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, 7u);
  EXPECT_TRUE(back->room.empty());
}

TEST(Probe, BinaryRoundTrips) {
  const Probe p{1ull << 40, -5, "r1"};
  const std::string bytes = encode_probe(p, Format::kBinary, 64);
  EXPECT_EQ(bytes.size(), 64u);
  const auto back = decode_probe(bytes, Format::kBinary);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, p.seq);
  EXPECT_EQ(back->sent_ns, -5);
  EXPECT_EQ(back->room, "r1");
}

TEST(Probe, DamagedOrForeignMessagesAreNotProbes) {
  EXPECT_FALSE(decode_probe("hello", Format::kText));
  EXPECT_FALSE(decode_probe(R"({"seq":1})", Format::kText));
  EXPECT_FALSE(decode_probe(R"({"seq":x,"sent_ns":1})", Format::kText));
  EXPECT_FALSE(decode_probe(R"({"seq":1,"sent_ns":2)", Format::kText));  // cut short
  EXPECT_FALSE(decode_probe("PGW1short", Format::kBinary));
  std::string bytes = encode_probe({1, 2, "room"}, Format::kBinary, 0);
  bytes.resize(bytes.size() - 2);  // room cut short
  EXPECT_FALSE(decode_probe(bytes, Format::kBinary));
  EXPECT_FALSE(decode_probe(encode_probe({1, 2, {}}, Format::kText, 0), Format::kBinary));
}

// A receipt timed before its send (another machine's clock) is skew: 0 latency, and said so.
TEST(Probe, AReceiptBeforeItsSendIsSkewNotAFastBroadcast) {
  EXPECT_EQ(receipt_timing(1'000, 3'500).latency_ns, 2'500);
  EXPECT_FALSE(receipt_timing(1'000, 3'500).skewed);
  EXPECT_FALSE(receipt_timing(1'000, 1'000).skewed);
  const ReceiptTiming early = receipt_timing(5'000, 3'500);
  EXPECT_EQ(early.latency_ns, 0);
  EXPECT_TRUE(early.skewed);
}

TEST(MessageLedger, EverythingSentIsReceivedMissingOrOutstanding) {
  MessageLedger ledger;
  const auto a = ledger.send();
  const auto b = ledger.send();
  const auto c = ledger.send();
  EXPECT_NE(a, b);
  EXPECT_TRUE(ledger.receive(b));     // out of order is fine
  EXPECT_FALSE(ledger.receive(b));    // a duplicate is unexpected
  EXPECT_FALSE(ledger.receive(999));  // so is one never sent
  EXPECT_TRUE(ledger.receive(a));
  EXPECT_EQ(ledger.outstanding(), 1u);
  EXPECT_EQ(ledger.abandon(), 1u);  // c never came back
  EXPECT_FALSE(ledger.receive(c));  // too late: already counted missing
  EXPECT_EQ(ledger.sent(), 3u);
  EXPECT_EQ(ledger.received(), 2u);
  EXPECT_EQ(ledger.missing(), 1u);
  EXPECT_EQ(ledger.unexpected(), 3u);
  EXPECT_EQ(ledger.sent(), ledger.received() + ledger.missing() + ledger.outstanding());
}

TEST(FanoutTracker, CountsReceiptsAndKeepsTheLatest) {
  FanoutTracker t(3);
  EXPECT_TRUE(t.receipt(1, 1000, 1500));
  EXPECT_TRUE(t.receipt(1, 1000, 1900));
  EXPECT_TRUE(t.receipt(1, 1000, 1700));
  EXPECT_FALSE(t.receipt(4, 1000, 2000));  // never published
  EXPECT_FALSE(t.receipt(0, 1000, 2000));
  EXPECT_EQ(t.receipts(1), 3u);
  EXPECT_EQ(t.receipts(2), 0u);
  const auto doc = t.to_json();
  EXPECT_EQ(doc["last_receipt_ns"][0], 1900);
  EXPECT_EQ(doc["sent_ns"][0], 1000);
}

TEST(WorkloadOptions, ParsesAndNamesWhatIsWrong) {
  const auto o = parse_workload_options({{"kind", "broadcast"},
                                         {"room", "r-1"},
                                         {"broadcasts", 5},
                                         {"publish_after", "2s"},
                                         {"source_addresses", {"127.0.0.2", "::1"}}});
  EXPECT_EQ(o.mode, Mode::kBroadcast);
  EXPECT_EQ(o.path, "/ws/rooms/r-1");
  EXPECT_EQ(o.broadcasts, 5u);
  EXPECT_EQ(o.publish_after, std::chrono::seconds(2));
  EXPECT_EQ(o.source_addresses.size(), 2u);
  EXPECT_EQ(parse_workload_options({{"kind", "echo"}}).path, "/ws/echo");
  const auto path_of = [](const nlohmann::json& w) {
    try {
      parse_workload_options(w);
    } catch (const core::FieldError& e) {
      return e.path();
    }
    return std::string("no error");
  };
  EXPECT_EQ(path_of({{"kind", "chat"}}), "/kind");
  EXPECT_EQ(path_of({{"kind", "echo"}, {"batch", 0}}), "/batch");
  EXPECT_EQ(path_of({{"kind", "echo"}, {"room", "a b"}}), "/room");
  EXPECT_EQ(path_of({{"kind", "echo"}, {"source_addresses", {"localhost"}}}),
            "/source_addresses/0");
  EXPECT_EQ(path_of({{"kind", "echo"}, {"publish_after", "soon"}}), "/publish_after");
  EXPECT_EQ(path_of({{"kind", "echo"}, {"bogus", 1}}), "/bogus");
}

TEST(OpenFiles, TooManySessionsFailWithTheNumbersAndWhatToChange) {
  try {
    ensure_open_files_for(100'000'000, "scenario huge");
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("scenario huge needs 100000000 sessions"), std::string::npos) << m;
    EXPECT_NE(m.find("RLIMIT_NOFILE"), std::string::npos) << m;
    EXPECT_NE(m.find("--shard"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(ensure_open_files_for(10, "scenario small"));
}

}  // namespace
}  // namespace perfgate::ws
