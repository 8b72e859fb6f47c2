# The Home Manager options the stub declares; everything else (programs.*,
# xdg.*, home.file, ...) is accepted freeform.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
in
{
  options.home = {
    username = mkOption { type = types.str; };
    homeDirectory = mkOption { type = types.str; };
    stateVersion = mkOption { type = types.str; };
    packages = mkOption { type = types.listOf types.package; default = [ ]; };
    sessionVariables = mkOption { type = types.lazyAttrsOf types.raw; default = { }; };
    activationPackage = mkOption { type = types.raw; };
  };

  options.home.file = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };
  options.xdg.configFile = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };
  options.xdg.dataFile = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };

  config.home.activationPackage = pkgs.stdenvNoCC.mkDerivation {
    name = "home-manager-generation";
    inherit (config.home) username homeDirectory packages;
  };
}
