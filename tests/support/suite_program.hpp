// suite_program.hpp - Test support: a suite program run as CI runs it, with a test's own threshold
// tables, results folder and targets, and nothing else from the machine's environment.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "process.hpp"

namespace perfgate::testing {

class SuiteProgramTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }

  // The environment of a suite run: this test's tables and results folder, the `ci` profile and
  // no targets but those `env` names.
  std::map<std::string, std::string> suite_environment(
      const std::map<std::string, std::string>& env) const {
    std::map<std::string, std::string> all = env;
    all.emplace("PERFGATE_THRESHOLDS_DIR", dir_);
    all.emplace("PERFGATE_RESULTS_DIR", dir_ + "/results");
    all.emplace("PERFGATE_PROFILE", "ci");
    all.emplace("PERFGATE_EMBEDDED_TARGETS", dir_ + "/none.json");
    all.emplace("PERFGATE_TARGETS", "");
    all.emplace("PERFGATE_BASELINE_TARGETS", "");  // A/B only when a test sets a baseline
    for (const char* name : {"HTTP", "AI", "WS", "PG"})
      all.emplace(std::string("PERFGATE_BASELINE_TARGET_") + name, "");
    return all;
  }

  ProgramResult run_suite(const std::map<std::string, std::string>& env, const std::string& program,
                          const std::string& filter) {
    return run_program({program, "--gtest_filter=" + filter}, suite_environment(env));
  }

  // Requests the reference service answered on its API routes (not /metrics itself).
  static std::uint64_t api_requests(const ReferenceService& s) {
    std::istringstream in(s.metrics());
    std::uint64_t total = 0;
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("perfgate_reference_requests_total") &&
          line.find("/metrics") == std::string::npos) {
        total += std::stoull(line.substr(line.rfind(' ') + 1));
      }
    }
    return total;
  }

  std::string dir_;
};

}  // namespace perfgate::testing
