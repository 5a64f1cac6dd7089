// ledger.cpp - Message accounting of one session.
#include "perfgate/ws/ledger.hpp"

#include <algorithm>

namespace perfgate::ws {

std::uint64_t MessageLedger::send() {
  ++sent_;
  pending_.push_back(next_);
  return next_++;
}

bool MessageLedger::receive(std::uint64_t seq) {
  const auto it = std::find(pending_.begin(), pending_.end(), seq);
  if (it == pending_.end()) {
    ++unexpected_;
    return false;
  }
  pending_.erase(it);
  ++received_;
  return true;
}

std::uint64_t MessageLedger::abandon() {
  const std::uint64_t n = pending_.size();
  missing_ += n;
  pending_.clear();
  return n;
}

}  // namespace perfgate::ws
