# Package groups shared by the WSL system, the containers and Home Manager.
#
# Which groups end up in `allPackages` is chosen by the NIXOS_PACKAGES
# environment variable:
#
#   unset / ""                  -> essential
#   "full"                      -> essential, kubernetes, development, extras
#   "essential,kubernetes"      -> a comma separated list of group names
#
# The essential group is always included; the others only when selected.
{ pkgs, lib, variant }:

let
  packageSelection = variant.NIXOS_PACKAGES;

  selectedGroups =
    if packageSelection == "" then [ "essential" ]
    else if packageSelection == "full" then [ "essential" "kubernetes" "development" "extras" ]
    else lib.splitString "," packageSelection;

  includeGroup = group: builtins.elem group selectedGroups;

  # Tools that are not in nixpkgs (or not in the version we want).
  customPackages = {
    claude-manager = pkgs.callPackage ../packages/claude-manager-fetchurl.nix { };
    idpbuilder = pkgs.callPackage ../packages/idpbuilder.nix { };
    sesh = pkgs.callPackage ../packages/sesh.nix { };
  };

  # Core tools: small enough for every image (~275MB).
  essential = with pkgs; [
    # shell and terminal
    bashInteractive
    tmux
    customPackages.sesh
    fzf
    zoxide
    starship
    direnv
    nix-direnv

    # editors
    vim
    neovim

    # search and files
    ripgrep
    fd
    bat
    eza
    tree
    unzip
    zip
    file

    # data and network
    jq
    yq-go
    curl
    wget
    openssh
    cacert

    # version control
    git
    gh
    lazygit

    # monitoring
    htop
    ncdu

    # session management for Claude Code
    customPackages.claude-manager
  ];

  kubernetes =
    if includeGroup "kubernetes" then
      with pkgs; [
        kubectl
        kubernetes-helm
        k9s
        argocd
        kind
        kustomize
        kubectx
        stern
        kubeseal
        customPackages.idpbuilder
      ]
    else [ ];

  development =
    if includeGroup "development" then
      with pkgs; [
        nodejs_20
        deno
        bun
        python3
        uv
        go
        gopls
        rustup
        gcc
        gnumake
        docker-compose
        nil
        nixpkgs-fmt
      ]
    else [ ];

  extras =
    if includeGroup "extras" then
      with pkgs; [
        btop
        yazi
        glow
        dust
        duf
        hyperfine
        tokei
        nix-tree
        nix-output-monitor
        _1password-cli
        azure-cli
        google-cloud-sdk
      ]
    else [ ];

in
{
  inherit packageSelection selectedGroups customPackages;
  inherit essential kubernetes development extras;

  allPackages = essential ++ kubernetes ++ development ++ extras;
}
