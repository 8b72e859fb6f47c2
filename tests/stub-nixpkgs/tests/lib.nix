# Self-tests of the stub library; evaluates to the list of failed cases
# (tests/examples.rs expects `[ ]`).
let
  lib = (import ../flake.nix).outputs { self = null; } // { };
  l = lib.lib;

  eval = modules: (l.evalModules { inherit modules; }).config;

  cases = {
    splitString = l.splitString "," "essential,kubernetes" == [ "essential" "kubernetes" ];
    splitStringEmpty = l.splitString "," "" == [ "" ];
    splitStringRegexChars = l.splitString "." "a.b.c" == [ "a" "b" "c" ];
    optionals = l.optionals true [ 1 2 ] == [ 1 2 ] && l.optionals false [ 1 ] == [ ];
    optionalString = l.optionalString false "x" == "" && l.optionalString true "x" == "x";
    toInt = l.toInt " 8080 " == 8080;
    recursiveUpdate = l.recursiveUpdate { a.b = 1; a.c = 2; } { a.b = 3; } == { a = { b = 3; c = 2; }; };
    getName = l.getName "git-2.44.0" == "git";
    hasPrefixSuffix = l.hasPrefix "nix" "nixfold" && l.hasSuffix "fold" "nixfold" && l.removePrefix "a/" "a/b" == "b";
    foldr = l.foldr (x: acc: [ x ] ++ acc) [ ] [ 1 2 3 ] == [ 1 2 3 ];
    fixExtends = (l.fix (l.extends (final: prev: { b = prev.a + 1; }) (final: { a = 1; c = final.b; }))).c == 2;

    selfReference = (eval [
      ({ config, ... }: { options.a = l.mkOption { type = l.types.int; default = 1; }; config.b = config.a + 1; })
      { a = 5; }
    ]).b == 6;

    mkIfPushedDown = (eval [
      ({ config, ... }: { config = l.mkIf config.enable { x = 1; }; })
      { options.enable = l.mkOption { type = l.types.bool; default = false; }; }
      { enable = true; }
    ]).x == 1;

    mkIfFalseDropsListEntries = (eval [
      { options.xs = l.mkOption { type = l.types.listOf l.types.int; default = [ ]; }; }
      { xs = l.mkIf false [ 1 ]; }
      { xs = [ 2 ]; }
    ]).xs == [ 2 ];

    priorities = (eval [
      { s = l.mkDefault "default"; }
      { s = "normal"; }
      { t = l.mkForce "forced"; }
      { t = "normal"; }
    ]) == { _module = { args = { }; check = true; }; s = "normal"; t = "forced"; };

    optionDefaultLoses = (eval [
      { options.o = l.mkOption { type = l.types.str; default = "d"; }; }
      { o = l.mkDefault "m"; }
    ]).o == "m";

    listOrder = (eval [ { xs = [ 2 ]; } { xs = l.mkAfter [ 3 ]; } { xs = l.mkBefore [ 1 ]; } ]).xs == [ 1 2 3 ];

    mkMerge = (eval [ { a = l.mkMerge [ { b = 1; } (l.mkIf true { c = 2; }) (l.mkIf false { d = 3; }) ]; } ]).a.c == 2;

    importsDeduplicated = (eval [
      { imports = [ ./modules/list-one.nix ./modules/list-one.nix ]; }
      { imports = [ ./modules/list-one.nix ]; }
    ]).xs == [ 1 ];

    specialArgsAndModuleArgs = ((l.evalModules {
      specialArgs = { answer = 42; };
      modules = [
        ({ answer, extra, ... }: { r = answer + extra; })
        { _module.args.extra = 1; }
      ];
    }).config.r) == 43;

    importsFromSpecialArgs = ((l.evalModules {
      specialArgs = { which = ./modules/list-one.nix; };
      modules = [ ({ which, ... }: { imports = [ which ]; }) ];
    }).config.xs) == [ 1 ];

    attrsOfSubmodule = (eval [
      {
        options.users = l.mkOption {
          type = l.types.attrsOf (l.types.submodule ({ name, ... }: {
            options.home = l.mkOption { type = l.types.str; default = "/home/${name}"; };
          }));
          default = { };
        };
      }
      { users.alice = { }; users.bob = l.mkIf false { }; }
    ]).users == { alice = { _module = { args = { name = "alice"; }; check = true; }; home = "/home/alice"; }; };

    conflictingValuesThrow = !(builtins.tryEval (eval [ { v = "a"; } { v = "b"; } ]).v).success;
    wrongTypeThrows = !(builtins.tryEval (eval [
      { options.n = l.mkOption { type = l.types.int; }; }
      { n = "x"; }
    ]).n).success;

    nixosSystem = let sys = l.nixosSystem {
      system = "x86_64-linux";
      modules = [ ({ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; networking.hostName = "box"; }) ];
    }; in
      map (p: p.pname) sys.config.environment.systemPackages == [ "git" ]
      && sys.config.system.build.toplevel.name == "nixos-system-box-24.11"
      && sys.pkgs.system == "x86_64-linux";

    nixosOverlays = (l.nixosSystem {
      system = "x86_64-linux";
      modules = [ { nixpkgs.overlays = [ (final: prev: { hello = prev.git.overrideAttrs (_: { pname = "hello"; }); }) ]; } ];
    }).pkgs.hello.pname == "hello";

    nixosSystemWithPkgs = let
      pkgs = import ../. { system = "aarch64-linux"; overlays = [ (final: prev: { marker = prev.git; }) ]; };
      sys = l.nixosSystem { inherit pkgs; modules = [ ({ pkgs, ... }: { environment.systemPackages = [ pkgs.marker ]; }) ]; };
    in
      map (p: p.pname) sys.config.environment.systemPackages == [ "git" ] && sys.config.nixpkgs.system == "aarch64-linux";

    unfreeRefused =
      let pkgs = import ../. { system = "x86_64-linux"; }; in
      !(builtins.tryEval pkgs.vscode.outPath).success
      && (builtins.tryEval (import ../. { system = "x86_64-linux"; config.allowUnfree = true; }).vscode.outPath).success;

    fetchurlNeedsHash =
      let pkgs = import ../. { system = "x86_64-linux"; }; in
      !(builtins.tryEval (pkgs.fetchurl { url = "https://example.org/a.tar.gz"; }).name).success;
  };
in
builtins.filter (name: !cases.${name}) (builtins.attrNames cases)
