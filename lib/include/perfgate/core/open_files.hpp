// perfgate/core/open_files.hpp - How many files (sockets) this process may open.
#pragma once

#include <cstdint>

namespace perfgate::core {

struct OpenFilesLimit {
  std::uint64_t soft = 0;  // what the process may open now
  std::uint64_t hard = 0;  // what it could raise the soft limit to
};

// Raises the soft RLIMIT_NOFILE to the hard limit (no privilege needed) and returns both after.
OpenFilesLimit raise_open_files_limit();

}  // namespace perfgate::core
