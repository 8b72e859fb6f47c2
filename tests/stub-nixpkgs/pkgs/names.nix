# Top-level package names of the stub package set. Each becomes a stub
# derivation `{ type = "derivation"; pname = <name>; ... }`; add names here
# when a fixture needs one.
[
  "_1password-cli" "_1password-gui" "act" "age" "alacritty" "argocd" "awscli2" "azure-cli" "bash"
  "bashInteractive" "bat" "bind" "bottom" "btop" "bun" "cachix" "cacert" "cargo" "clang"
  "clippy" "cmake" "coreutils" "coreutils-full" "curl" "deadnix" "delta" "deno" "devenv"
  "diffutils" "direnv" "dive" "docker" "docker-client" "docker-compose" "dust" "duf" "emacs"
  "eza" "fd" "ffmpeg" "file" "findutils" "firefox" "fish" "fluxcd" "fzf" "gawk" "gcc" "gh"
  "git" "git-lfs" "gitui" "glibc" "glow" "gnugrep" "gnumake" "gnupg" "gnused" "gnutar" "go"
  "google-chrome" "google-cloud-sdk" "gopls" "gzip" "helix" "htop" "hugo" "hyperfine"
  "installShellFiles" "iproute2" "iputils" "jq" "just" "k3d" "k9s" "kind" "kubectl" "kubectx"
  "kubernetes-helm" "kubeseal" "kustomize" "lazydocker" "lazygit" "less" "lsof" "lua"
  "makeWrapper" "autoPatchelfHook" "man" "mkcert" "mosh" "ncdu" "neovim" "netcat" "nil" "nix"
  "nix-direnv" "nix-index" "nix-output-monitor" "nix-tree" "nixd" "nixfmt-rfc-style"
  "nixpkgs-fmt" "nmap" "nodejs" "nodejs_18" "nodejs_20" "nodejs_22" "openssh" "openssl"
  "pkg-config" "pnpm" "podman" "postgresql" "pre-commit" "procps" "python3" "python311"
  "python312" "redis" "ripgrep" "rsync" "rust-analyzer" "rustc" "rustfmt" "rustup" "sd"
  "shadow" "shellcheck" "shfmt" "skopeo" "slack" "socat" "sops" "spotify" "sqlite"
  "starship" "statix" "stern" "sudo" "systemd" "tailscale" "terraform" "tig" "tmux" "tokei"
  "tree" "unzip" "util-linux" "uv" "vim" "vscode" "watch" "wget" "which" "wl-clipboard"
  "wsl-open" "wslu" "xclip" "xz" "yarn" "yazi" "yq" "yq-go" "zellij" "zip" "zoxide" "zsh"
  "zstd"
]
