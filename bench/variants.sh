#!/usr/bin/env bash
# Benchmark `nixfold variants` on examples/unified-nixos with a generated
# 512-variant matrix, side by side with real Nix evaluating ONE variant of the
# same tree (offline, every flake input replaced by tests/stub-nixpkgs).
#
#   bench/variants.sh
#   RUNS=5 VARIANTS=512 bench/variants.sh
#
# Environment:
#   VARIANTS  number of [[variants]] to generate (default 512, at most 520)
#   RUNS      hyperfine runs per command (default 10)
#   NIX_ATTR  what real Nix evaluates (default: the container's package names,
#             `packages.x86_64-linux.container.contents` mapped to pnames)
#
# Prints hyperfine's table and the ratio nixfold/nix of the mean wall times;
# the raw numbers are kept in the work directory's bench.json.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
variants="${VARIANTS:-512}"
runs="${RUNS:-10}"
attr="${NIX_ATTR:-packages.x86_64-linux.container.contents}"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is required ($2)" >&2; exit 2; }
}
need hyperfine "apt-get install hyperfine, or cargo install hyperfine --locked"
need nix "real Nix is the reference"
need git "flakes must live in a git repository"
need python3 "to read hyperfine's JSON"

echo "==> building nixfold (release)"
(cd "$root" && cargo build --release --locked --quiet)
nixfold="$root/target/release/nixfold"

work="$(mktemp -d "${TMPDIR:-/tmp}/nixfold-variants-bench.XXXXXX")"
tree="$work/unified-nixos"
cp -r "$root/examples/unified-nixos" "$tree"
rm -f "$tree/nixfold.toml"

# The matrix: 4 outputs x NIXOS_CONTAINER in {"", 1} x every ordered
# selection of package groups (65 of them), the first $variants.
echo "==> generating $variants variants"
python3 - "$tree/nixfold.toml" "$variants" <<'PY'
import itertools, sys
path, wanted = sys.argv[1], int(sys.argv[2])
outputs = [
    "packages.x86_64-linux.container",
    "packages.x86_64-linux.default",
    "nixosConfigurations.nixos-wsl",
    "packages.x86_64-linux.claude-manager",
]
groups = ["essential", "kubernetes", "development", "extras"]
selections = [",".join(p) for k in range(0, 5) for p in itertools.permutations(groups, k)]
lines = ['param = "variant"', ""]
n = 0
for sel in selections:
    for flag in ["", "1"]:
        for out in outputs:
            if n == wanted:
                break
            env = []
            if flag:
                env.append('NIXOS_CONTAINER = "1"')
            env.append(f'NIXOS_PACKAGES = "{sel}"')
            lines += ["[[variants]]", f'output = "{out}"', f'name = "v{n}"',
                      "env = { " + ", ".join(env) + " }", ""]
            n += 1
if n < wanted:
    sys.exit(f"only {n} distinct variants can be generated")
open(path, "w").write("\n".join(lines))
PY

(cd "$tree" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -q -m bench)

# Every locked input replaced by its stub.
overrides=()
for input in $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(d["nodes"][d["root"]]["inputs"]))' "$tree/flake.lock"); do
  case "$input" in
    nixpkgs|nixpkgs-*) stub="$root/tests/stub-nixpkgs" ;;
    *) stub="$root/tests/stub-nixpkgs/inputs/$input" ;;
  esac
  [ -f "$stub/flake.nix" ] || { echo "bench: no stub for input $input" >&2; exit 2; }
  overrides+=(--override-input "$input" "path:$stub")
done

export NIX_CONFIG="experimental-features = nix-command flakes"
nix_cmd="env NIXOS_CONTAINER=1 NIXOS_PACKAGES=full nix eval --impure --json --option eval-cache false ${overrides[*]} $tree#$attr --apply 'map (p: p.pname)'"
nixfold_cmd="$nixfold variants $tree --format json"
# `check` runs the variant lints: every declared value against its domain,
# every branch on a variable against all 512 environments.
check_cmd="sh -c 'cd $tree && $nixfold check . --format json >/dev/null'"

echo "==> checking both commands"
out="$($nixfold_cmd)"
count="$(printf '%s' "$out" | python3 -c 'import json,sys; print(sum(1 for v in json.load(sys.stdin)["variants"] if v["env"]))')"
echo "nixfold variants: $count declared variants analysed"
[ "$count" -eq "$variants" ] || { echo "bench: expected $variants variants, got $count" >&2; exit 1; }
sh -c "$nix_cmd" >/dev/null

echo "==> timing"
hyperfine --warmup 2 --runs "$runs" --ignore-failure --export-json "$work/bench.json" \
  -n "nixfold variants ($variants variants)" "$nixfold_cmd" \
  -n "nix eval (one variant, stub nixpkgs)" "$nix_cmd" \
  -n "nixfold check ($variants variants)" "$check_cmd"

python3 - "$work/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b, c = r[0], r[1], r[2]
def line(name, x):
    print(f"{name}: mean {x['mean']*1000:.1f} ms (user+sys {(x['user']+x['system'])*1000:.1f} ms)")
print()
line("nixfold variants", a)
line("nixfold check", c)
line("nix eval (1 variant)", b)
print(f"ratio nixfold variants / nix eval (wall): {a['mean']/b['mean']:.2f}")
print(f"ratio nixfold check / nix eval (wall): {c['mean']/b['mean']:.2f}")
PY
echo "(work directory: $work)"
