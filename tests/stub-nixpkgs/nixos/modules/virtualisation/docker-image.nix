# Stub of nixpkgs' virtualisation/docker-image.nix.
{ lib, ... }:
{
  boot.isContainer = true;
  networking.useDHCP = lib.mkDefault false;
  system.build.tarball = { type = "derivation"; name = "docker-image.tar.xz"; };
}
