#!/usr/bin/env bash
# Build a Docker image (and optionally a VS Code devcontainer setup) from the
# unified NixOS configuration.
#
# Usage:
#   ./build-container.sh [options] [profile] [output]
#
#   profile   package groups: essential (default), full, or a comma separated
#             list such as essential,kubernetes or essential,development
#   output    where to copy the image tarball (default: nixos-<profile>.tar.gz)
#
# Options:
#   -d, --devcontainer    tag the image for devcontainers and write
#                         .devcontainer/devcontainer.json into the project
#   -p, --project DIR     project directory for --devcontainer (default: .)
#   -l, --load            load the image into Docker after building
#   -h, --help            show this help
#
# Examples:
#   ./build-container.sh essential output.tar.gz
#   ./build-container.sh full
#   ./build-container.sh --devcontainer development
#   ./build-container.sh -d -p /my/project full
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

devcontainer=0
load=0
project_dir="$PWD"
profile=""
output=""

while [ $# -gt 0 ]; do
  case "$1" in
    -d|--devcontainer)
      devcontainer=1
      load=1
      shift
      ;;
    -p|--project)
      [ $# -ge 2 ] || { echo "error: $1 needs a directory" >&2; exit 2; }
      project_dir="$2"
      shift 2
      ;;
    -l|--load)
      load=1
      shift
      ;;
    -h|--help)
      usage
      exit 0
      ;;
    -*)
      echo "error: unknown option $1" >&2
      usage >&2
      exit 2
      ;;
    *)
      if [ -z "$profile" ]; then
        profile="$1"
      elif [ -z "$output" ]; then
        output="$1"
      else
        echo "error: unexpected argument $1" >&2
        exit 2
      fi
      shift
      ;;
  esac
done

profile="${profile:-essential}"

if [ "$profile" != "full" ]; then
  for group in ${profile//,/ }; do
    case "$group" in
      essential|kubernetes|development|extras) ;;
      *)
        echo "error: unknown package group '$group'" >&2
        echo "       use full or a comma separated list of essential, kubernetes, development, extras" >&2
        exit 2
        ;;
    esac
  done
fi

tag="${profile//,/-}"
output="${output:-nixos-${tag}.tar.gz}"

echo "==> Building container image (profile: $profile)"
cd "$script_dir"
case "$profile" in
  'essential') nixfold_output='container-essential' ;;
  'essential,kubernetes') nixfold_output='container-kubernetes' ;;
  'essential,development') nixfold_output='container-development' ;;
  'full') nixfold_output='container-full' ;;
  *) echo "no output of the flake builds NIXOS_PACKAGES=$profile: declare it in nixfold.toml and run nixfold migrate" >&2; exit 2 ;;
esac
nix build ".#${nixfold_output}" --out-link result-container

cp -L result-container "$output"
chmod u+w "$output"
echo "==> Image written to $output ($(du -h "$output" | cut -f1))"

if [ "$load" -eq 1 ]; then
  echo "==> Loading image into Docker"
  docker load < "$output"
fi

if [ "$devcontainer" -eq 1 ]; then
  image="nixos-devcontainer:${tag}"
  docker tag nixos-system:latest "$image"

  devcontainer_dir="$project_dir/.devcontainer"
  if [ -e "$devcontainer_dir/devcontainer.json" ]; then
    echo "==> Keeping existing $devcontainer_dir/devcontainer.json"
  else
    mkdir -p "$devcontainer_dir"
    cat > "$devcontainer_dir/devcontainer.json" <<JSON
{
  "name": "NixOS Development Container",
  "image": "${image}",
  "customizations": {
    "vscode": {
      "extensions": [
        "jnoortheen.nix-ide",
        "ms-vscode.cpptools",
        "ms-python.python"
      ]
    }
  },
  "mounts": [
    "source=\${localWorkspaceFolder},target=/workspace,type=bind"
  ],
  "workspaceFolder": "/workspace",
  "remoteUser": "root"
}
JSON
    echo "==> Wrote $devcontainer_dir/devcontainer.json"
  fi
  echo "==> Devcontainer image: $image"
fi
