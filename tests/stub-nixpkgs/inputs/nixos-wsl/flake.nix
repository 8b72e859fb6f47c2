# Stub of NixOS-WSL for nixfold's tests: the `wsl.*` options and a module
# that sets up the default user when enabled.
{
  description = "Stub NixOS-WSL";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }: {
    nixosModules.wsl = ./module.nix;
    nixosModules.default = self.nixosModules.wsl;
  };
}
