#!/usr/bin/env bash
# no-shell-check.sh SOURCE_DIR - Fails if the library, the CLI, the reference service or a suite
# can start a shell or another program: no user-controlled text (a URL, a table, a response) may
# ever reach one. fork() without exec (the reference service's worker processes) is fine. Test
# support code (tests/support) starts programs on purpose and is not checked. One exception:
# `perfgate benchmark` exists to run the Google Benchmark program named on its command line
# (lib/bench/benchmark_run.cpp, posix_spawnp with an argument vector, never a shell; what the table
# says becomes single arguments such as --benchmark_filter=...), and only that call is allowed.
set -euo pipefail
cd "${1:?usage: no-shell-check.sh SOURCE_DIR}"
pattern='\b(std::)?(system|popen|execl|execle|execlp|execv|execve|execvp|execvpe|posix_spawnp?|wordexp)[[:space:]]*\(|/bin/sh|"sh"'
allowed='^lib/bench/benchmark_run\.cpp:[0-9]+:  const int spawned = ::posix_spawnp\(&pid, argv\[0\], &actions, nullptr, argv\.data\(\), environ\);$'
if found=$(grep -rnE "$pattern" --include='*.cpp' --include='*.hpp' lib fixtures tests/performance |
           grep -vE "$allowed"); then
  echo "no-shell-check: these lines can run a shell or a program:" >&2
  echo "$found" >&2
  exit 1
fi
echo "no-shell-check: no shell or program is started from lib/, fixtures/ or tests/performance/" \
  "(but the benchmark program perfgate benchmark runs)"
