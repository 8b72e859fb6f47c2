# lib.nixosSystem for the stub nixpkgs: evaluates NixOS modules with the stub
# module system, the base module below and the stub package set.
{ lib }:

{ modules, system ? null, specialArgs ? { }, pkgs ? null, ... }:

let
  eval = lib.evalModules {
    class = "nixos";
    specialArgs = { modulesPath = toString ./modules; } // specialArgs;
    modules =
      [ ./base.nix ]
      ++ lib.optional (system != null) { _file = "<nixosSystem>"; nixpkgs.system = lib.mkDefault system; }
      ++ lib.optional (pkgs != null) { _file = "<nixosSystem>"; nixpkgs.pkgs = lib.mkDefault pkgs; nixpkgs.system = lib.mkDefault pkgs.system; }
      ++ modules;
  };
in
eval // { pkgs = eval.config._module.args.pkgs; }
