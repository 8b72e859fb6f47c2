#!/usr/bin/env bash
# Run nixfold on real configurations, the way a new user would:
#
#   bench/realworld.sh DIR...
#
# For each DIR (a configuration's directory, the one holding flake.nix), on
# a copy in a temporary directory (DIR itself is never touched):
#
#   1. `nixfold check`, `nixfold variants`, `nixfold init`,
#      `nixfold migrate --write`;
#   2. every .nix file that parsed before still parses (nix-instantiate
#      --parse when it is on the PATH, else nixfold's own parser);
#   3. no environment read is left in the files the flake evaluates
#      (`nixfold variants` on the migrated copy finds none);
#   4. a second `init` + `migrate --write` changes nothing.
#
# Prints one line per tree: name, .nix files, env reads, variants proposed,
# result (ok / refused: reason / FAIL: which check).
#
# Environment:
#   NIXFOLD   the binary (default: target/release/nixfold, built if missing)
#   KEEP=1    keep the temporary copies and print where they are
#   VERBOSE=1 print each command's stderr
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nixfold="${NIXFOLD:-$root/target/release/nixfold}"
if [ ! -x "$nixfold" ]; then
  (cd "$root" && cargo build --release --locked --quiet) || exit 2
fi
[ $# -gt 0 ] || { echo "usage: bench/realworld.sh DIR..." >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }

parse_ok() { # file -> 0 when it parses
  if command -v nix-instantiate >/dev/null 2>&1; then
    nix-instantiate --parse "$1" >/dev/null 2>&1
  else
    ! "$nixfold" check "$1" 2>/dev/null | grep -q 'syntax-error\]'
  fi
}

# The .nix files of a tree that parse, one relative path a line.
parsing_files() {
  (cd "$1" && find . -name '*.nix' -type f -not -path './.git/*' | sort | while read -r f; do
    parse_ok "$f" && echo "$f"
  done)
}

snapshot() { # dir -> a hash of every file's path and content
  (cd "$1" && find . -type f -not -path './.git/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

json_count() { # json-file key -> length of that array
  python3 -c 'import json,sys
try:
    d=json.load(open(sys.argv[1]))
    print(len(d.get(sys.argv[2]) or []))
except Exception:
    print("?")' "$1" "$2"
}

first_error() { # stderr-file -> the first line that says why (and the next, after a colon)
  grep -v '^note:' "$1" | grep -A1 -m1 -E 'nixfold:|error' | sed -e 's/^nixfold: //' -e 's/^ *//' |
    paste -sd' ' | sed -e 's/ nixfold: nothing was changed$//' | cut -c1-200
}

status=0
printf '%-28s %6s %5s %8s  %s\n' tree files reads variants result
for src in "$@"; do
  # The tree's name: its folder, with its parent when that is a subfolder
  # of a repository (owner/nix-darwin).
  abs="$(cd "$src" && pwd)"
  name="$(basename "$abs")"
  if [ ! -d "$abs/.git" ] && [ -d "$(dirname "$abs")/.git" ] || [ -e "$(dirname "$abs")/README.md" ]; then
    name="$(basename "$(dirname "$abs")")/$name"
  fi
  work="$(mktemp -d "${TMPDIR:-/tmp}/nixfold-realworld.XXXXXX")"
  tree="$work/$(basename "$abs")"
  cp -r "$src" "$tree"
  rm -f "$tree/nixfold.toml.orig"
  log="$work/log"
  mkdir -p "$log"
  files=$(cd "$tree" && find . -name '*.nix' -type f -not -path './.git/*' | wc -l)
  parsing_files "$tree" >"$log/parsed-before"

  "$nixfold" check "$tree" >"$log/check.out" 2>"$log/check.err"
  [ $? -le 1 ] || echo "check: exit $?" >>"$log/problems"
  "$nixfold" variants --format json "$tree" >"$log/variants.json" 2>"$log/variants.err"
  reads=$(python3 -c 'import json,sys
try: print(sum(len(e["reads"]) for e in json.load(open(sys.argv[1]))["env"]))
except Exception: print("?")' "$log/variants.json")
  "$nixfold" init "$tree" >"$log/init.out" 2>"$log/init.err"
  init_rc=$?
  nvariants=$(json_count "$log/variants.json" variants)
  result=""
  if [ $init_rc -gt 1 ] && ! grep -q 'nixfold.toml already exists' "$log/init.err"; then
    result="refused (init): $(first_error "$log/init.err")"
  fi
  "$nixfold" migrate --write "$tree" >"$log/migrate.out" 2>"$log/migrate.err"
  rc=$?
  if [ -z "$result" ] && [ $rc -ne 0 ]; then
    result="refused: $(first_error "$log/migrate.err")"
  fi
  if [ -z "$result" ]; then
    # Every file that parsed before still parses.
    parsing_files "$tree" >"$log/parsed-after"
    broken=$(comm -23 "$log/parsed-before" "$log/parsed-after" | head -3 | tr '\n' ' ')
    if [ -n "$broken" ]; then
      result="FAIL: no longer parses: $broken"
    fi
  fi
  if [ -z "$result" ]; then
    # No read left in what the flake evaluates.
    "$nixfold" variants --format json "$tree" >"$log/variants-after.json" 2>/dev/null
    left=$(python3 -c 'import json,sys
try: print(sum(len(e["reads"]) for e in json.load(open(sys.argv[1]))["env"]))
except Exception: print("?")' "$log/variants-after.json")
    if [ "$left" != "0" ]; then
      result="FAIL: $left environment read(s) left"
    fi
  fi
  if [ -z "$result" ]; then
    # A second run changes nothing.
    before=$(snapshot "$tree")
    "$nixfold" init "$tree" >/dev/null 2>"$log/init2.err"
    "$nixfold" migrate --write "$tree" >/dev/null 2>"$log/migrate2.err"
    after=$(snapshot "$tree")
    if [ "$before" != "$after" ]; then
      result="FAIL: a second init + migrate changed files"
    else
      result="ok ($(grep -m1 -o 'migrated [0-9]* file(s)' "$log/migrate.err" || echo 'nothing to migrate'))"
    fi
  fi
  case "$result" in ok*) ;; *) status=1 ;; esac
  printf '%-28s %6s %5s %8s  %s\n' "$name" "$files" "$reads" "$nvariants" "$result"
  if [ "${VERBOSE:-}" = 1 ]; then
    sed 's/^/    /' "$log/init.err" "$log/migrate.err"
  fi
  if [ "${KEEP:-}" = 1 ]; then
    echo "    kept: $work"
  else
    rm -rf "$work"
  fi
done
exit $status
