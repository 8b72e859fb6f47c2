{ nixpkgs }:

{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.home-manager;

  hmPkgs =
    if cfg.useGlobalPkgs then pkgs
    else import nixpkgs { system = pkgs.system; };

  userType = types.submoduleWith {
    specialArgs = { osConfig = config; modulesPath = toString ./.; } // cfg.extraSpecialArgs;
    modules = [
      ./core.nix
      ({ name, ... }: {
        _file = "<home-manager NixOS module>";
        _module.args.pkgs = lib.mkDefault hmPkgs;
        home.username = lib.mkDefault name;
        home.homeDirectory = lib.mkDefault config.users.users.${name}.home;
      })
    ] ++ cfg.sharedModules;
  };
in
{
  options.home-manager = {
    useGlobalPkgs = mkOption { type = types.bool; default = false; };
    useUserPackages = mkOption { type = types.bool; default = false; };
    backupFileExtension = mkOption { type = types.nullOr types.str; default = null; };
    verbose = mkOption { type = types.bool; default = false; };
    extraSpecialArgs = mkOption { type = types.attrs; default = { }; };
    sharedModules = mkOption { type = types.listOf types.raw; default = [ ]; };
    users = mkOption { type = types.attrsOf userType; default = { }; };
  };

  config = lib.mkIf (cfg.users != { }) {
    users.users = lib.mkIf cfg.useUserPackages
      (lib.mapAttrs (_: hm: { packages = hm.home.packages; }) cfg.users);
    system.build.homeManagerGenerations = lib.mapAttrs (_: hm: hm.home.activationPackage) cfg.users;
  };
}
