# Base configuration shared by the WSL2 system and the container images.
#
# Everything here must work both on a full NixOS system and inside a
# container, so anything that needs systemd, a kernel or Windows interop
# belongs in configuration.nix or container-profile.nix instead.
{ config, lib, pkgs, variant, ... }:

let
  isContainer = variant.NIXOS_CONTAINER != "";

  # The package groups selected by NIXOS_PACKAGES (see overlays/packages.nix).
  overlayPackages = import ./overlays/packages.nix { inherit pkgs lib variant; };

  user = "vpittamp";
in
{
  nixpkgs.config.allowUnfree = true;

  nix.settings = {
    experimental-features = [ "nix-command" "flakes" ];
    trusted-users = [ "root" user ];
    auto-optimise-store = true;
    substituters = [
      "https://cache.nixos.org"
      "https://nix-community.cachix.org"
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
    ];
  };

  nix.gc = {
    automatic = !isContainer;
    dates = "weekly";
    options = "--delete-older-than 14d";
  };

  time.timeZone = "America/New_York";
  i18n.defaultLocale = "en_US.UTF-8";

  networking.hostName = lib.mkDefault (if isContainer then "nixos-container" else "nixos-wsl");

  users.users.${user} = {
    isNormalUser = true;
    uid = 1000;
    description = "Vinod Pittampalli";
    extraGroups = [ "wheel" "docker" ];
    shell = pkgs.bashInteractive;
  };

  security.sudo.wheelNeedsPassword = false;

  environment.systemPackages = overlayPackages.allPackages;

  environment.variables = {
    EDITOR = "nvim";
    VISUAL = "nvim";
    PAGER = "less -R";
    NIXOS_PACKAGE_GROUPS = lib.concatStringsSep "," overlayPackages.selectedGroups;
  };

  programs.bash.completion.enable = true;
  programs.direnv.enable = true;
  programs.direnv.nix-direnv.enable = true;

  # Man pages and info are dead weight in an image.
  documentation.enable = !isContainer;
  documentation.man.enable = !isContainer;
  documentation.nixos.enable = false;

  system.stateVersion = "24.11";
}
