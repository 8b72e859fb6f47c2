{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption mkEnableOption types;
  cfg = config.wsl;
  iniValue = v: if builtins.isBool v then lib.boolToString v else toString v;
  toINI = sections: lib.concatStrings (lib.mapAttrsToList
    (section: keys: "[${section}]\n" + lib.concatStrings (lib.mapAttrsToList (k: v: "${k}=${iniValue v}\n") keys) + "\n")
    sections);
in
{
  options.wsl = {
    enable = mkEnableOption "running NixOS as a WSL distribution";
    defaultUser = mkOption { type = types.str; default = "nixos"; };
    startMenuLaunchers = mkOption { type = types.bool; default = false; };
    useWindowsDriver = mkOption { type = types.bool; default = false; };
    nativeSystemd = mkOption { type = types.bool; default = true; };
    interop.register = mkOption { type = types.bool; default = false; };
    interop.includePath = mkOption { type = types.bool; default = true; };
    docker-desktop.enable = mkEnableOption "Docker Desktop integration";
    wslConf = mkOption {
      type = types.attrsOf (types.attrsOf (types.oneOf [ types.str types.int types.bool ]));
      default = { };
    };
  };

  config = lib.mkIf cfg.enable {
    users.users.${cfg.defaultUser} = {
      isNormalUser = true;
      extraGroups = [ "wheel" ];
    };
    environment.etc."wsl.conf".text = toINI ({ user.default = cfg.defaultUser; } // cfg.wslConf);
    system.build.tarballBuilder = pkgs.writeShellScriptBin "nixos-wsl-tarball-builder" ''
      echo "building a WSL tarball for ${config.networking.hostName}"
    '';
  };
}
