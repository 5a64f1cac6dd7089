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

// A driver's options object (a scenario's "workload" in its table) is wrong at `path`, a JSON
// pointer relative to that object. The config layer adds the file and the scenario's path.
class FieldError : public Error {
 public:
  FieldError(std::string path, std::string expectation)
      : Error(path + ": " + expectation),
        path_(std::move(path)),
        expectation_(std::move(expectation)) {}
  const std::string& path() const { return path_; }
  const std::string& expectation() const { return expectation_; }

 private:
  std::string path_;
  std::string expectation_;
};

}  // namespace perfgate::core
