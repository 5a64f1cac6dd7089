#!/usr/bin/env bash
# architecture-check.sh SOURCE_DIR - docs/ARCHITECTURE.md stays true to the code: every file it
# names (`lib/...`, `tests/...`, `ctest/...`, `thresholds/...`, `fixtures/...`, `docs/...`,
# `scripts/...`) exists, every header it names (`scenario.hpp`) exists in lib/, and every
# `ns::name` it names is declared in a public header.
set -euo pipefail
root=${1:?usage: architecture-check.sh SOURCE_DIR}
page=$root/docs/ARCHITECTURE.md
missing=0
# Code spans: `...`
mapfile -t spans < <(grep -o '`[^`]*`' "$page" | tr -d '`' | sort -u)
for span in "${spans[@]}"; do
  case $span in
    lib/*|tests/*|ctest/*|thresholds/*|fixtures/*|docs/*|scripts/*|benchmarks/*|deploy/*)
      path=${span%% *}
      path=${path%%(*}
      [[ $path == *"<"* ]] && continue  # a pattern: tests/performance/<suite>/
      if [[ ! -e $root/$path ]]; then echo "ARCHITECTURE.md names $path, which does not exist"; missing=1; fi
      ;;
    *.hpp)
      if [[ -z $(find "$root/lib" -name "${span##*/}" -print -quit) ]]; then
        echo "ARCHITECTURE.md names header $span, which no module has"; missing=1
      fi
      ;;
    *"<"*) ;;  # a pattern, not a name
    [a-z]*::[A-Za-z_]*)
      name=${span%%(*}
      name=${name##*::}
      if ! grep -rqE "\\b${name}\\b" "$root/lib/include/perfgate"; then
        echo "ARCHITECTURE.md names $span, which no public header declares"; missing=1
      fi
      ;;
  esac
done
exit $missing
