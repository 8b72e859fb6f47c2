#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (one job), seeding the corpora from
# the repository's Nix files and evaluation corpus first.
#
#   fuzz/run.sh 300            # 5 minutes per target
#   TARGETS="eval fix" fuzz/run.sh 60
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain.
# Crashes land in fuzz/artifacts/<target>/; keep each as a regression test
# under tests/ once fixed. CI does not run this. Leak detection is off: the
# lazy evaluator's environments and thunks form reference cycles (by design).
set -euo pipefail

secs="${1:?usage: fuzz/run.sh SECONDS}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
targets="${TARGETS:-parse_check eval fix}"

seed() { # target
  local dir="$here/corpus/$1"
  mkdir -p "$dir"
  [ -n "$(ls -A "$dir")" ] && return 0
  # Nix files of the repository's fixtures and examples.
  find "$root/tests" "$root/examples" -name '*.nix' -size -8k | while read -r f; do
    cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"
  done
  # One expression per line of the evaluation corpus.
  if [ "$1" != parse_check ]; then
    grep -hv '^\(#\|=>\| \|$\)' "$root"/tests/eval_corpus/*.txt | sed 's/^! //' |
      while IFS= read -r e; do
        printf '%s' "$e" >"$dir/e-$(printf '%s' "$e" | md5sum | cut -c1-16)"
      done
  fi
}

cd "$here"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
for t in $targets; do
  seed "$t"
  echo "== $t: ${secs}s"
  cargo +nightly fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$secs" -jobs=1 -workers=1 -timeout=20 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -detect_leaks=0 || echo "== $t: found a problem (see fuzz/artifacts/$t)"
done
