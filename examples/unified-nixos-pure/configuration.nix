# Main NixOS configuration for the WSL2 workstation.
#
# The same file is also used for container builds: when NIXOS_CONTAINER is set
# (to anything non-empty), all WSL integration is switched off and the system
# is marked as a container.
{ config, lib, pkgs, inputs, variant, ... }:

let
  isContainer = variant.NIXOS_CONTAINER != "";

  user = "vpittamp";
  windowsUser = "VinodPittampalli";

  # Docker Desktop exposes its CLI inside WSL under /mnt/wsl; this wrapper
  # finds it and forwards every argument, so `docker` works from NixOS.
  dockerWrapper = pkgs.writeShellScriptBin "docker" ''
    for candidate in \
      /mnt/wsl/docker-desktop/cli-tools/usr/bin/docker \
      "/mnt/c/Program Files/Docker/Docker/resources/bin/docker.exe"
    do
      if [ -x "$candidate" ]; then
        exec "$candidate" "$@"
      fi
    done
    echo "docker: Docker Desktop does not seem to be running on Windows" >&2
    exit 1
  '';

  # VS Code's remote server ships a node binary linked for FHS systems;
  # replace it with the one from nixpkgs after every server update.
  vscodeServerFix = pkgs.writeShellScript "vscode-server-fix" ''
    for server in /home/${user}/.vscode-server/bin/*; do
      if [ -e "$server/node" ] && [ ! -L "$server/node" ]; then
        mv "$server/node" "$server/node.orig"
        ln -sf ${pkgs.nodejs_20}/bin/node "$server/node"
      fi
    done
  '';

  # `code .` from WSL opens VS Code on Windows with the remote extension.
  vscodeLauncher = pkgs.writeShellScriptBin "code" ''
    exec "/mnt/c/Users/${windowsUser}/AppData/Local/Programs/Microsoft VS Code/bin/code" "$@"
  '';

  # pbcopy/pbpaste on top of the Windows clipboard.
  clipboard = pkgs.symlinkJoin {
    name = "wsl-clipboard";
    paths = [
      (pkgs.writeShellScriptBin "pbcopy" ''exec /mnt/c/Windows/System32/clip.exe'')
      (pkgs.writeShellScriptBin "pbpaste" ''
        exec /mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe \
          -NoProfile -Command Get-Clipboard | tr -d '\r'
      '')
    ];
  };
in
{
  imports = [
    ./configuration-base.nix
  ];

  # Container mode
  boot.isContainer = lib.mkIf isContainer true;

  # WSL mode (only when not building a container)
  wsl = lib.mkIf (!isContainer) {
    enable = true;
    defaultUser = user;
    startMenuLaunchers = true;
    useWindowsDriver = true;
    interop.register = true;
    docker-desktop.enable = true;

    wslConf = {
      automount.root = "/mnt";
      automount.options = "metadata,uid=1000,gid=100,umask=022,fmask=011";
      interop.appendWindowsPath = false;
      network.generateHosts = true;
      network.generateResolvConf = true;
    };
  };

  environment.systemPackages = lib.optionals (!isContainer) [
    dockerWrapper
    vscodeLauncher
    clipboard
    pkgs.wslu
    pkgs.wsl-open
  ];

  environment.sessionVariables = lib.mkIf (!isContainer) {
    BROWSER = "wslview";
    DOCKER_HOST = "unix:///mnt/wsl/docker-desktop/shared-sockets/guest-services/docker.proxy.sock";
  };

  # Make the Docker Desktop wrapper visible to tools that hard-code
  # /usr/local/bin/docker (VS Code's Dev Containers extension does).
  system.activationScripts.dockerDesktopLink = lib.mkIf (!isContainer) {
    text = ''
      mkdir -p /usr/local/bin
      ln -sfn ${dockerWrapper}/bin/docker /usr/local/bin/docker
    '';
    deps = [ ];
  };

  systemd.user.services.vscode-server-fix = lib.mkIf (!isContainer) {
    description = "Point the VS Code server at the nixpkgs node binary";
    wantedBy = [ "default.target" ];
    serviceConfig = {
      Type = "oneshot";
      ExecStart = "${vscodeServerFix}";
    };
  };

  systemd.user.paths.vscode-server-fix = lib.mkIf (!isContainer) {
    wantedBy = [ "default.target" ];
    pathConfig.PathChanged = "/home/${user}/.vscode-server/bin";
  };

  programs.bash.shellAliases = lib.mkIf (!isContainer) {
    explorer = "explorer.exe .";
    open = "wsl-open";
  };

  # Pin `nix shell nixpkgs#...` and <nixpkgs> to the flake's nixpkgs.
  nix.registry.nixpkgs.flake = inputs.nixpkgs;
  nix.nixPath = [ "nixpkgs=${inputs.nixpkgs}" ];

  # Docker itself runs on Windows; only the CLI is used from WSL.
  virtualisation.docker.enable = false;

  programs.nix-ld.enable = !isContainer;
}
