#!/usr/bin/env bash
# Benchmark `nixfold eval --strict` against `nix-instantiate --eval --strict`
# on a call-heavy workload (fib) and an attribute-set-heavy one (listToAttrs
# of 60,000 entries, then a fold over attrNames with lookups).
#
#   bench/eval.sh              # build release, run everything
#   RUNS=5 bench/eval.sh
#
# Environment:
#   RUNS      hyperfine runs per command (default 10)
#   NIXFOLD   nixfold binary (default: target/release/nixfold, built first)
#
# Prints, per workload, the mean wall time (hyperfine), the user+system CPU
# time (steadier on a busy machine) and the peak resident memory
# (/usr/bin/time), with the ratios nixfold/nix.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-10}"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is required ($2)" >&2; exit 2; }
}
need nix-instantiate "the reference evaluator"
need python3 "for the summary"

if [ -z "${NIXFOLD:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  NIXFOLD="$root/target/release/nixfold"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/nixfold-eval-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fib() {
  echo "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib $1"
}
attrs='let n = 60000; s = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) n); in builtins.foldl'"'"' (acc: k: acc + s.${k}) 0 (builtins.attrNames s)'

names=("fib 27" "fib 30" "attrs 60k")
exprs=("$(fib 27)" "$(fib 30)" "$attrs")

# Peak RSS (KB) and user+sys seconds of one run.
measure() {
  /usr/bin/time -f "%M %U %S" -o "$work/time" "$@" >/dev/null
  awk '{ printf "%d %.3f\n", $1, $2 + $3 }' "$work/time"
}

summary="$work/summary.txt"
: >"$summary"
for i in "${!names[@]}"; do
  name="${names[$i]}"
  expr="${exprs[$i]}"
  file="$work/bench$i.nix"
  printf '%s\n' "$expr" >"$file"
  # Both must agree before timing means anything.
  a="$(nix-instantiate --eval --strict "$file")"
  b="$("$NIXFOLD" eval --strict "$file")"
  if [ "$a" != "$b" ]; then
    echo "bench: results differ for $name: nix=$a nixfold=$b" >&2
    exit 1
  fi
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/$i.json" \
      -n nix "nix-instantiate --eval --strict $file" \
      -n nixfold "$NIXFOLD eval --strict $file" >/dev/null
    read -r nix_wall nf_wall < <(python3 - "$work/$i.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(r["nix"]["mean"], r["nixfold"]["mean"])
PY
)
  else
    nix_wall=""; nf_wall=""
  fi
  # CPU and memory: best of three runs each.
  best() {
    local best_mem=0 best_cpu=999999
    for _ in 1 2 3; do
      read -r mem cpu < <(measure "$@")
      best_mem=$(( mem > best_mem ? mem : best_mem ))
      best_cpu=$(python3 -c "print(min($best_cpu, $cpu))")
    done
    echo "$best_mem $best_cpu"
  }
  read -r nix_mem nix_cpu < <(best nix-instantiate --eval --strict "$file")
  read -r nf_mem nf_cpu < <(best "$NIXFOLD" eval --strict "$file")
  echo "$name|$nix_wall|$nf_wall|$nix_cpu|$nf_cpu|$nix_mem|$nf_mem" >>"$summary"
done

python3 - "$summary" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
print(f"{'workload':<10} {'wall nix':>9} {'wall nf':>9} {'ratio':>6}  {'cpu nix':>8} {'cpu nf':>8} {'ratio':>6}  {'RSS nix':>9} {'RSS nf':>9} {'ratio':>6}")
for name, nw, fw, nc, fc, nm, fm in rows:
    def ratio(a, b):
        try:
            return f"{float(b) / float(a):.2f}"
        except (ValueError, ZeroDivisionError):
            return "-"
    wall = lambda x: f"{float(x):.3f}s" if x else "-"
    print(f"{name:<10} {wall(nw):>9} {wall(fw):>9} {ratio(nw, fw):>6}  {float(nc):>7.3f}s {float(fc):>7.3f}s {ratio(nc, fc):>6}  {int(nm)//1024:>7}MB {int(fm)//1024:>7}MB {ratio(nm, fm):>6}")
print("ratios are nixfold / nix (lower is better; target: wall <= 1.5, RSS <= 1.0)")
PY
