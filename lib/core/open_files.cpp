// open_files.cpp - RLIMIT_NOFILE, raised as far as an unprivileged process may.
#include "perfgate/core/open_files.hpp"

#include <sys/resource.h>

namespace perfgate::core {

OpenFilesLimit raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return {limit.rlim_cur, limit.rlim_max};
}

}  // namespace perfgate::core
