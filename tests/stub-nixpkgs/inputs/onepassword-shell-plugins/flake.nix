# Stub of 1Password/shell-plugins for nixfold's tests.
{
  description = "Stub 1Password shell plugins";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.flake-utils.url = "github:numtide/flake-utils";

  outputs = { self, nixpkgs, flake-utils }: {
    hmModules.default = ./hm-module.nix;
    nixosModules.default = ./hm-module.nix;
  };
}
