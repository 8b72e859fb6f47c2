# The stub package set: `import <stub nixpkgs> { system = ...; overlays = [ ... ];
# config = { ... }; }`. Every package is a stub derivation that records the
# arguments it was built from; builders (stdenv.mkDerivation, fetchurl,
# dockerTools.buildLayeredImage, mkShell, ...) return such records too, so
# tests can inspect what a configuration would build without building it.
{ lib ? import ../lib, overlays ? [ ], config ? { }, ... }@args:

let
  system =
    args.system or (
      let ls = args.localSystem or (throw "stub nixpkgs: pass `system` (pure evaluation has no builtins.currentSystem)"); in
      if builtins.isString ls then ls else ls.system
    );

  stubs = final: import ./stubs.nix { inherit lib system config final; };

  composed = builtins.foldl' (f: overlay: lib.extends overlay f) stubs overlays;
in
lib.fix composed
