# Stub of nixpkgs' profiles/minimal.nix: drops documentation and extras.
{ lib, ... }:
{
  documentation.enable = lib.mkDefault false;
  documentation.man.enable = lib.mkDefault false;
  documentation.nixos.enable = lib.mkDefault false;
  environment.defaultPackages = lib.mkDefault [ ];
  xdg.mime.enable = lib.mkDefault false;
}
