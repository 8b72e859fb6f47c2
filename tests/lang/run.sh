#!/usr/bin/env bash
# Run Nix's language tests (tests/lang of NixOS/nix, e.g. tag 2.8.1) against
# `nixfold eval`, the way that version's tests/lang.sh runs them with
# nix-instantiate:
#
#   parse-okay-*.nix   must parse          (nixfold eval --parse-only)
#   parse-fail-*.nix   must not parse
#   eval-fail-*.nix    must fail to evaluate
#   eval-okay-*.nix    `eval --strict` output must equal eval-okay-*.exp
#                      (with eval-okay-*.flags; NIX_PATH=lang/dir3:lang/dir4)
#   eval-okay-*.exp.xml  `eval --xml --strict` output must equal that file
#                      (counted apart: eval-okay-xml)
#
#   tests/lang/run.sh DIR            # DIR: the tests/lang directory
#   NIXFOLD=path/to/nixfold tests/lang/run.sh DIR
#
# Prints PASS/FAIL per test and the totals per kind; exits 1 if anything
# failed. The tests themselves are not part of this repository.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 DIR   (DIR: Nix's tests/lang directory)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nixfold="${NIXFOLD:-$root/target/release/nixfold}"
[ -x "$nixfold" ] || { echo "run.sh: $nixfold not built (cargo build --release)" >&2; exit 2; }
case "$nixfold" in /*) ;; *) nixfold="$PWD/$nixfold" ;; esac

dir="$(cd "$1" && pwd)"
# lang.sh runs in the parent of lang/ and names files lang/…; do the same
# (the directory may have another name: the .flags files say lang/).
cd "$(dirname "$dir")"
lang="$(basename "$dir")"
out="$(mktemp -d "${TMPDIR:-/tmp}/nixfold-lang.XXXXXX")"
trap 'rm -rf "$out"' EXIT

export TEST_VAR=foo # for eval-okay-getenv.nix
# Bound each test (a hang is a failure, not a stuck run).
lim=(--max-steps 200000000)
to() { timeout 60 "$@"; }

declare -A pass fail
for k in parse-okay parse-fail eval-okay eval-okay-xml eval-fail; do pass[$k]=0; fail[$k]=0; done
failed=()
result() { # kind name ok
  if [ "$3" = 1 ]; then
    pass[$1]=$((pass[$1] + 1)); echo "PASS $2"
  else
    fail[$1]=$((fail[$1] + 1)); failed+=("$2"); echo "FAIL $2${4:+ ($4)}"
  fi
}

for f in "$lang"/parse-fail-*.nix; do
  [ -e "$f" ] || continue
  n="$(basename "$f" .nix)"
  if to "$nixfold" eval --parse-only - <"$f" >/dev/null 2>&1; then
    result parse-fail "$n" 0 "parsed"
  else
    result parse-fail "$n" 1
  fi
done

for f in "$lang"/parse-okay-*.nix; do
  [ -e "$f" ] || continue
  n="$(basename "$f" .nix)"
  if to "$nixfold" eval --parse-only - <"$f" >/dev/null 2>"$out/err"; then
    result parse-okay "$n" 1
  else
    result parse-okay "$n" 0 "$(head -c 200 "$out/err" | head -1)"
  fi
done

for f in "$lang"/eval-fail-*.nix; do
  [ -e "$f" ] || continue
  n="$(basename "$f" .nix)"
  to "$nixfold" eval "${lim[@]}" "$f" >/dev/null 2>&1
  rc=$?
  # 1: an evaluation error; anything else (a crash, a timeout) is a failure.
  if [ $rc = 1 ]; then
    result eval-fail "$n" 1
  else
    result eval-fail "$n" 0 "exit $rc"
  fi
done

for f in "$lang"/eval-okay-*.nix; do
  [ -e "$f" ] || continue
  n="$(basename "$f" .nix)"
  b="$lang/$n"
  [ -e "$b.exp" ] || [ -e "$b.exp.xml" ] || continue
  ok=1
  why=
  if [ -e "$b.exp" ]; then
    flags=()
    if [ -e "$b.flags" ]; then
      read -r -a flags <"$b.flags"
      flags=("${flags[@]//lang\//$lang/}")
    fi
    if ! NIX_PATH="$lang/dir3:$lang/dir4" to "$nixfold" eval "${lim[@]}" "${flags[@]}" \
      --strict "$b.nix" >"$out/$n.out" 2>"$out/$n.err"; then
      ok=0; why="should evaluate: $(grep -m1 error "$out/$n.err" | head -c 200)"
    elif ! diff -q "$out/$n.out" "$b.exp" >/dev/null; then
      ok=0; why="result differs"
    fi
  fi
  [ -e "$b.exp" ] && result eval-okay "$n" $ok "$why"
  if [ -e "$b.exp.xml" ]; then
    ok=1
    why=
    if ! to "$nixfold" eval "${lim[@]}" --xml --strict "$b.nix" >"$out/$n.out.xml" 2>"$out/$n.err"; then
      ok=0; why="should evaluate (xml): $(grep -m1 error "$out/$n.err" | head -c 200)"
    elif ! cmp -s "$out/$n.out.xml" "$b.exp.xml"; then
      ok=0; why="xml result differs"
    fi
  fi
  [ -e "$b.exp.xml" ] && result eval-okay-xml "$n.xml" $ok "$why"
done

echo
total_fail=0
for k in eval-okay eval-okay-xml eval-fail parse-okay parse-fail; do
  t=$((pass[$k] + fail[$k]))
  echo "$k: ${pass[$k]}/$t passed"
  total_fail=$((total_fail + fail[$k]))
done
[ $total_fail = 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
