# Container-specific overrides, layered on top of configuration-base.nix
# when building `packages.<system>.container`.
{ config, lib, pkgs, modulesPath, ... }:

{
  imports = [
    (modulesPath + "/profiles/minimal.nix")
  ];

  boot.isContainer = true;

  networking.hostName = lib.mkForce "nixos-container";
  networking.useDHCP = false;
  networking.firewall.enable = false;

  # No init system inside Docker: the image's entrypoint is a shell.
  systemd.services.nix-daemon.enable = false;
  services.openssh.enable = false;
  nix.gc.automatic = lib.mkForce false;

  environment.variables = {
    NIXOS_CONTAINER = "1";
    SSL_CERT_FILE = "${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt";
    LANG = "C.UTF-8";
  };

  # Tools a devcontainer needs besides the selected package groups.
  environment.systemPackages = with pkgs; [
    coreutils
    findutils
    gnugrep
    gnused
    gawk
    less
    procps
    shadow
    sudo
  ];

  users.users.root.shell = pkgs.bashInteractive;
}
