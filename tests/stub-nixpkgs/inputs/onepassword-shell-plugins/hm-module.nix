{ config, lib, pkgs, ... }:

let
  cfg = config.programs._1password-shell-plugins;
in
{
  options.programs._1password-shell-plugins = {
    enable = lib.mkEnableOption "1Password shell plugins";
    plugins = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
      description = "CLIs whose credentials come from 1Password.";
    };
  };

  config = lib.mkIf cfg.enable {
    home.packages = [ pkgs._1password-cli ] ++ cfg.plugins;
    home.sessionVariables.OP_PLUGIN_ALIASES_SOURCED = "1";
    programs.bash.shellAliases = lib.listToAttrs (map
      (p: lib.nameValuePair (lib.getName p) "op plugin run -- ${lib.getName p}")
      cfg.plugins);
  };
}
