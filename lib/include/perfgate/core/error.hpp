// perfgate/core/error.hpp - The typed exceptions perfgate throws at its API boundaries.
//
// Inside the Asio paths nothing throws: failures there are error codes turned into named counters.
// These types are for the edges (parsing text, loading files, starting a run), where a caller wants
// one catchable type per kind of mistake and a message that says exactly what was wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace perfgate::core {

// Base of every perfgate exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value with a unit ("250ms", "20/s", "1%") could not be parsed. The message quotes the text.
class UnitError : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written (results, tables, targets); the message names the path.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace perfgate::core
