// perfgate/ws/ledger.hpp - Accounting of one session's messages: what was sent, what came back,
// what never did.
//
// Every probe a session sends is entered; a receipt settles it (and yields nothing for a sequence
// number that was never sent, or was already settled or given up: those are `unexpected`). When a
// wait times out or the session is lost, what is still outstanding becomes `missing`. So at any
// time sent == received + missing + outstanding(), and nothing goes unaccounted.
#pragma once

#include <cstdint>
#include <deque>

namespace perfgate::ws {

class MessageLedger {
 public:
  // The sequence number for the next probe; records it as sent.
  std::uint64_t send();
  // Settles `seq`. False (and counted as unexpected) if it was not outstanding.
  bool receive(std::uint64_t seq);
  // Gives up on everything outstanding (a timed-out wait, a lost session); returns how many.
  std::uint64_t abandon();

  std::uint64_t outstanding() const { return pending_.size(); }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t missing() const { return missing_; }
  std::uint64_t unexpected() const { return unexpected_; }

 private:
  std::deque<std::uint64_t> pending_;  // in send order: echoes usually settle the front
  std::uint64_t next_ = 1;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t missing_ = 0;
  std::uint64_t unexpected_ = 0;
};

}  // namespace perfgate::ws
