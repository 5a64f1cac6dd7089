// perfgate/pg/sqlstate.hpp - The failure kinds of SQL errors.
//
// A failed statement counts under its SQLSTATE's class, as PostgreSQL groups its errors
// (Appendix A of its manual): db_40 for serialization failures and deadlocks, db_08 for
// connection failures, db_57 for an operator's shutdown, db_53 for too many connections.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "perfgate/metrics/error_kind.hpp"
#include "perfgate/metrics/recorder.hpp"

namespace perfgate::pg {

// The failure kind of an SQL error: "db_" + its SQLSTATE's class (the first two characters),
// e.g. "40001" -> "db_40"; "db_unknown" when the state is not five characters of 0-9 and A-Z.
std::string sqlstate_error_kind(std::string_view sqlstate);

// The failure kind of every SQLSTATE class, declared in a run's MetricSet before the run (all
// 36 x 36 classes: a server or a PL/pgSQL RAISE may use any), so that a worker turns a state
// into its kind by arithmetic, with no lock and no allocation.
class SqlStateKinds {
 public:
  void declare(metrics::MetricSet& set);
  // The declared kind of `sqlstate` (kOther before declare()).
  metrics::ErrorKind of(std::string_view sqlstate) const;

 private:
  std::vector<metrics::ErrorKind> by_class_;  // at 36 * first character + second
  metrics::ErrorKind unknown_ = metrics::ErrorKind::kOther;
};

}  // namespace perfgate::pg
