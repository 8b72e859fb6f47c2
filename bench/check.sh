#!/usr/bin/env bash
# Benchmark `nixfold check` against deadnix (and statix, when installed) on a
# generated NixOS-style tree, with hyperfine.
#
#   bench/check.sh                 # 3,000 modules, seed 1
#   MODULES=500 SEED=7 RUNS=5 bench/check.sh
#
# Environment:
#   MODULES   number of .nix files to generate (default 3000)
#   SEED      generator seed (default 1)
#   RUNS      hyperfine runs per command (default 10)
#   TREE      where to generate the tree (default: a temporary directory)
#   STATIX    statix binary (default: `statix` on PATH; skipped when missing)
#   DEADNIX   deadnix binary (default: `deadnix` on PATH, else
#             `cargo install deadnix --locked`)
#
# Prints hyperfine's table and the ratios nixfold/deadnix and statix/deadnix
# of the mean wall times (and of user+system CPU time, which is steadier on a
# busy machine); the raw numbers are kept in $TREE/../bench.json.
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
need hyperfine "apt-get install hyperfine, or cargo install hyperfine --locked"
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

echo "==> generating $modules modules (seed $seed) in $tree"
python3 "$root/bench/gen-tree" --out "$tree" --modules "$modules" --seed "$seed"

echo "==> versions"
echo "    nixfold: $("$nixfold" --version 2>/dev/null || echo "(git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))")"
echo "    deadnix: $("$deadnix" --version 2>/dev/null || echo unknown)"
[ -n "$statix" ] && echo "    statix:  $("$statix" --version 2>/dev/null || echo unknown)"
echo "    nproc:   $(nproc 2>/dev/null || echo '?')"

# Linters exit non-zero when they find something; that is not a failure here.
commands=(
  -n nixfold "$nixfold check --format json $tree > /dev/null"
  -n deadnix "$deadnix $tree > /dev/null"
)
if [ -n "$statix" ]; then
  commands+=(-n statix "$statix check $tree > /dev/null")
fi

hyperfine --ignore-failure --warmup 2 --runs "$runs" --export-json "$work/bench.json" "${commands[@]}"

python3 - "$work/bench.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = results["deadnix"]
cpu = lambda r: r["user"] + r["system"]
print()
for name in ("nixfold", "statix"):
    if name in results:
        r = results[name]
        print(f"{name}/deadnix = {r['mean'] / base['mean']:.2f} wall "
              f"({r['mean'] * 1000:.0f} ms ± {r['stddev'] * 1000:.0f} vs {base['mean'] * 1000:.0f} ms), "
              f"{cpu(r) / cpu(base):.2f} CPU (user+system "
              f"{cpu(r) * 1000:.0f} ms vs {cpu(base) * 1000:.0f} ms)")
PY
echo "raw results: $work/bench.json"
