#!/usr/bin/env bash
# Benchmark `nixfold check` against deadnix and statix, and against a bare
# single-threaded rnix parse of the same files (bench/parse.rs), in
# interleaved rounds (bench/rounds.py): on a generated NixOS-style tree and
# on every real tree given.
#
#   bench/check.sh                          # the generated tree only
#   bench/check.sh ~/src/home-manager ...   # plus real trees you fetched
#   MODULES=500 SEED=7 RUNS=5 bench/check.sh
#
# Environment:
#   MODULES   number of .nix files to generate (default 3000; 0 skips it)
#   SEED      generator seed (default 1)
#   RUNS      rounds (each runs every command once; default 10)
#   TREE      where to generate the tree (default: a temporary directory)
#   STATIX    statix binary (default: `statix` on PATH; skipped when missing)
#   DEADNIX   deadnix binary (default: `deadnix` on PATH, else
#             `cargo install deadnix --locked`)
#
# For each tree it prints every tool's median wall and CPU time, then the
# ratios of nixfold's wall time to statix's and deadnix's and of its CPU time
# (user+system) to the bare parse's, each the median over rounds of the
# ratio within a round (a machine whose speed drifts moves both sides of a
# round alike), and every tool's peak memory (max RSS of one run). The raw
# numbers are kept in bench-<tree>.json in the work directory. Nothing here
# is a test: the numbers depend on the machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
modules="${MODULES:-3000}"
seed="${SEED:-1}"
runs="${RUNS:-10}"

if [ -n "${TREE:-}" ]; then
  work="$(dirname "$TREE")"
  tree="$TREE"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/nixfold-bench.XXXXXX")"
  tree="$work/tree"
fi
mkdir -p "$work"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is required ($2)" >&2; exit 2; }
}
need python3 "the tree generator is a Python script"
need cargo "to build nixfold"

echo "==> building nixfold (release)"
(cd "$root" && cargo build --release --locked --quiet)
nixfold="$root/target/release/nixfold"

deadnix="${DEADNIX:-}"
if [ -z "$deadnix" ]; then
  if command -v deadnix >/dev/null 2>&1; then
    deadnix="$(command -v deadnix)"
  else
    echo "==> installing deadnix (cargo install deadnix --locked)"
    cargo install deadnix --locked --quiet
    deadnix="$(command -v deadnix || echo "${CARGO_HOME:-$HOME/.cargo}/bin/deadnix")"
  fi
fi

statix="${STATIX:-$(command -v statix || true)}"
if [ -z "$statix" ] || [ ! -x "$statix" ]; then
  echo "==> statix not found: skipping it (it is not on crates.io; put it on PATH or set STATIX=/path/to/statix)"
  statix=""
fi

echo "==> building the bare-parse baseline (release)"
(cd "$root" && cargo build --release --locked --quiet --example parse-bench)
parse="$root/target/release/examples/parse-bench"

trees=()
if [ "$modules" != 0 ]; then
  echo "==> generating $modules modules (seed $seed) in $tree"
  python3 "$root/bench/gen-tree" --out "$tree" --modules "$modules" --seed "$seed"
  trees+=("$tree")
fi
for t in "$@"; do
  [ -d "$t" ] || { echo "bench: $t is not a directory" >&2; exit 2; }
  trees+=("$(cd "$t" && pwd)")
done
[ "${#trees[@]}" -gt 0 ] || { echo "bench: nothing to measure (MODULES=0 and no tree given)" >&2; exit 2; }

echo "==> versions"
echo "    nixfold: $("$nixfold" --version 2>/dev/null || echo "(git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))")"
echo "    deadnix: $("$deadnix" --version 2>/dev/null || echo unknown)"
[ -n "$statix" ] && echo "    statix:  $("$statix" --version 2>/dev/null || echo unknown)"
echo "    nproc:   $(nproc 2>/dev/null || echo '?')"

peak_kb() { # max RSS in KiB of one run of "$@"
  local f
  f="$(mktemp)"
  /usr/bin/time -f "%M" -o "$f" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$f"
  rm -f "$f"
}

for t in "${trees[@]}"; do
  name="$(basename "$t")"
  echo
  echo "==> $name ($(find "$t" -name '*.nix' -not -path '*/.git/*' | wc -l) .nix files): $("$parse" "$t")"
  # Linters exit non-zero when they find something; that is not a failure here.
  commands=(
    nixfold "$nixfold check --format json $t"
    deadnix "$deadnix $t"
    parse "$parse $t"
  )
  if [ -n "$statix" ]; then
    commands+=(statix "$statix check $t")
  fi
  json="$work/bench-$name.json"
  python3 "$root/bench/rounds.py" --rounds "$runs" --json "$json" "${commands[@]}"
  mem="nixfold=$(peak_kb "$nixfold" check --format json "$t") deadnix=$(peak_kb "$deadnix" "$t") parse=$(peak_kb "$parse" "$t")"
  if [ -n "$statix" ]; then
    mem="$mem statix=$(peak_kb "$statix" check "$t")"
  fi
  shown=()
  for kv in $mem; do
    kib="${kv#*=}"
    case "$kib" in
      '' | *[!0-9]*) shown+=("${kv%%=*} ? MB") ;; # /usr/bin/time missing
      *) shown+=("${kv%%=*} $(( (kib + 512) / 1024 )) MB") ;;
    esac
  done
  (IFS=,; echo "peak memory: ${shown[*]}" | sed 's/,/, /g')
done
echo
echo "raw results: $work/bench-*.json"
