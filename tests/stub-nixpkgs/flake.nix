# A stub nixpkgs for nixfold's tests: evaluates offline, in milliseconds.
# Use it with `--override-input nixpkgs path:<this directory>`.
{
  description = "Stub nixpkgs: a small lib with a module system and nixosSystem, and stub packages";

  outputs = { self }:
    let
      baseLib = import ./lib;
      lib = baseLib // {
        nixosSystem = import ./nixos { inherit lib; };
      };
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./pkgs { lib = baseLib; inherit system; });
      nixosModules = {
        minimal = ./nixos/modules/profiles/minimal.nix;
        dockerImage = ./nixos/modules/virtualisation/docker-image.nix;
      };
    };
}
