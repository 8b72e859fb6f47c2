# The options every stub NixOS system has. Options not declared anywhere are
# still accepted (merged freeform), so configurations may set any NixOS option.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.nixpkgs;

  # Collections of named things whose entries may be switched off with mkIf;
  # their contents are freeform.
  unitsOption = _: mkOption { type = types.attrsOf (types.submodule { }); default = { }; };

  userModule = { name, config, ... }: {
    options = {
      name = mkOption { type = types.str; default = name; };
      isNormalUser = mkOption { type = types.bool; default = false; };
      isSystemUser = mkOption { type = types.bool; default = false; };
      uid = mkOption { type = types.nullOr types.int; default = null; };
      group = mkOption { type = types.str; default = if config.isNormalUser then "users" else ""; };
      description = mkOption { type = types.str; default = ""; };
      home = mkOption {
        type = types.str;
        default = if config.isNormalUser then "/home/${name}" else "/var/empty";
      };
      extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
      packages = mkOption { type = types.listOf types.package; default = [ ]; };
      shell = mkOption { type = types.nullOr (types.either types.package types.path); default = null; };
      openssh.authorizedKeys.keys = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  };
in
{
  options = {
    nixpkgs = {
      system = mkOption { type = types.str; description = "The platform to build for."; };
      hostPlatform = mkOption { type = types.either types.str types.attrs; default = cfg.system; };
      config = mkOption { type = types.attrs; default = { }; };
      overlays = mkOption { type = types.listOf types.raw; default = [ ]; };
      pkgs = mkOption {
        type = types.raw;
        default = import ../pkgs {
          inherit lib;
          system = if builtins.isString cfg.hostPlatform then cfg.hostPlatform else cfg.hostPlatform.system;
          inherit (cfg) overlays config;
        };
      };
    };

    environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
    environment.variables = mkOption {
      type = types.attrsOf (types.either types.str (types.listOf types.str));
      default = { };
      apply = lib.mapAttrs (_: v: if builtins.isList v then builtins.concatStringsSep ":" v else v);
    };
    environment.etc = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };
    systemd = lib.genAttrs [ "services" "paths" "timers" "sockets" "targets" "mounts" ] unitsOption // {
      user = lib.genAttrs [ "services" "paths" "timers" "sockets" "targets" ] unitsOption;
    };
    system.activationScripts = mkOption {
      type = types.attrsOf (types.either types.str (types.submodule { }));
      default = { };
    };
    users.groups = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };
    boot.isContainer = mkOption { type = types.bool; default = false; };
    networking.hostName = mkOption { type = types.str; default = "nixos"; };
    users.users = mkOption { type = types.attrsOf (types.submodule userModule); default = { }; };
    system.stateVersion = mkOption { type = types.str; default = lib.trivial.release; };
    system.build = mkOption { type = types.lazyAttrsOf types.raw; default = { }; };
    assertions = mkOption { type = types.listOf types.raw; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
  };

  config = {
    _module.args.pkgs = cfg.pkgs;

    users.users.root = {
      uid = 0;
      home = "/root";
    };

    system.build.toplevel =
      let
        failed = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
        toplevel = cfg.pkgs.stdenvNoCC.mkDerivation {
          name = "nixos-system-${config.networking.hostName}-${config.system.stateVersion}";
          systemPackages = config.environment.systemPackages;
          inherit (config.boot) isContainer;
          # /etc and the units are part of a real system closure too.
          etc = builtins.toJSON (builtins.mapAttrs (_: f: f.text or null) config.environment.etc);
          units = builtins.attrNames config.systemd.services;
        };
      in
      if failed != [ ] then throw "Failed assertions:\n${lib.concatMapStrings (m: "- ${m}\n") failed}"
      else lib.foldr (w: x: builtins.trace "warning: ${w}" x) toplevel config.warnings;
  };
}
