# Stub of Home Manager for nixfold's tests: the NixOS module
# (home-manager.users.<name> evaluated as Home Manager modules with
# extraSpecialArgs) and a standalone homeManagerConfiguration.
{
  description = "Stub Home Manager";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      lib = nixpkgs.lib;
    in
    {
      nixosModules.home-manager = import ./nixos-module.nix { inherit nixpkgs; };
      nixosModules.default = self.nixosModules.home-manager;

      lib.homeManagerConfiguration = { pkgs, modules ? [ ], extraSpecialArgs ? { }, ... }:
        let
          eval = lib.evalModules {
            class = "homeManager";
            specialArgs = { modulesPath = toString ./.; } // extraSpecialArgs;
            modules = [ ./core.nix { _file = "<homeManagerConfiguration>"; _module.args.pkgs = lib.mkDefault pkgs; } ] ++ modules;
          };
        in
        eval // {
          activationPackage = eval.config.home.activationPackage;
          inherit pkgs;
        };
    };
}
