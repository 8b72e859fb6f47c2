{ lib, system, config, final }:

let
  inherit (builtins) hashString isFunction isString removeAttrs substring toString;

  platform = lib.systems.elaborate system;

  unfreeNames = [ "_1password-cli" "_1password-gui" "google-chrome" "slack" "spotify" "terraform" "vscode" ];

  # A store-path-shaped name (Nix's base-32 alphabet has no e, o, t, u).
  storeHash = seed:
    substring 0 32 (builtins.replaceStrings [ "e" ] [ "x" ] (hashString "sha256" seed));

  # What a derivation's store path depends on, as in Nix: every argument but
  # meta and passthru, a dependency by its own path, functions not at all.
  identity = v:
    if isFunction v then null
    else if builtins.isAttrs v then
      if (v.type or null) == "derivation" then v.outPath or null
      else builtins.mapAttrs (_: identity) v
    else if builtins.isList v then map identity v
    else v;

  unfreeAllowed = drv:
    (config.allowUnfree or false) || (config.allowUnfreePredicate or (_: false)) drv;

  # The one derivation constructor: records every argument, adds the
  # attributes real derivations have (type, name, outPath, drvPath, ...).
  mkDrv = builder: attrs:
    let
      name =
        attrs.name or (if attrs ? version then "${attrs.pname}-${attrs.version}" else attrs.pname);
      parsed = builtins.parseDrvName name;
      meta = attrs.meta or { };
      licenses = lib.toList (meta.license or [ ]);
      free = lib.all (l: l.free or true) licenses;
      path = builtins.storeDir + "/" + storeHash "${builder}:${name}:${system}:${builtins.toJSON (identity (removeAttrs attrs [ "meta" "passthru" ]))}" + "-" + name;
      guard = value:
        if free || unfreeAllowed drv then value
        else throw "Package ‘${name}’ has an unfree license, refusing to evaluate (set config.allowUnfree = true).";
      drv = removeAttrs attrs [ "passthru" ] // attrs.passthru or { } // {
        type = "derivation";
        inherit name system meta;
        pname = attrs.pname or parsed.name;
        version = attrs.version or parsed.version;
        stubBuilder = builder;
        outPath = guard path;
        drvPath = guard (path + ".drv");
        outputs = attrs.outputs or [ "out" ];
        outputName = "out";
        out = drv;
        all = [ drv ];
        overrideAttrs = f:
          let r = f attrs; in
          mkDrv builder (attrs // (if isFunction r then r attrs else r));
      };
    in
    drv;

  # stdenv.mkDerivation accepts attrs or `finalAttrs: { ... }`.
  resolveAttrs = a: if isFunction a then lib.fix a else a;

  mkPackage = pname: mkDrv "stub-package" {
    inherit pname;
    version = "1.0";
    meta = {
      description = "stub of ${pname}";
      mainProgram = pname;
    } // lib.optionalAttrs (builtins.elem pname unfreeNames) { license = lib.licenses.unfree; };
  };

  packageSet = prefix: names: lib.genAttrs names (n: mkPackage "${prefix}${n}");

  mkStdenv = name: mkDrv "stdenv" { inherit name; } // {
    mkDerivation = a: mkDrv "stdenv.mkDerivation" (resolveAttrs a);
    hostPlatform = platform;
    buildPlatform = platform;
    targetPlatform = platform;
    inherit system;
    inherit (platform) isLinux isDarwin isx86_64 isAarch64;
    cc = final.gcc;
    shell = "${final.bash}/bin/bash";
  };

  requireHash = what: a:
    if (a.hash or "") != "" || (a.sha256 or "") != "" || (a.sha512 or "") != "" || (a.outputHash or "") != "" then a
    else throw "${what} requires a hash for a fixed-output derivation";

  writeTextFile = { name, text, executable ? false, destination ? "", checkPhase ? "", ... }@a:
    mkDrv "writeTextFile" a;

  dockerImage = builder: { name, tag ? null, ... }@a:
    mkDrv builder (a // {
      name = "docker-image-${baseNameOf name}.tar.gz";
      imageName = name;
      imageTag = if tag == null then storeHash (builtins.toJSON (removeAttrs a [ "contents" "copyToRoot" "config" "fromImage" ])) else tag;
    });
in
packageSet "" (import ./names.nix) // {
  inherit lib system config;
  pkgs = final;
  buildPlatform = platform;
  hostPlatform = platform;
  targetPlatform = platform;

  stdenv = mkStdenv "stdenv-linux";
  stdenvNoCC = mkStdenv "stdenv-nocc";
  runtimeShell = "${final.bash}/bin/bash";

  callPackage = fn: overrides:
    let
      f = if builtins.isPath fn || isString fn then import fn else fn;
      call = extra: f (builtins.intersectAttrs (builtins.functionArgs f) final // overrides // extra);
      result = call { };
    in
    if builtins.isAttrs result then result // { override = extra: call extra; } else result;

  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };

  fetchurl = a: mkDrv "fetchurl" (requireHash "fetchurl" a // {
    name = a.name or (baseNameOf (a.url or (builtins.head a.urls)));
  });
  fetchzip = a: mkDrv "fetchzip" (requireHash "fetchzip" a // { name = a.name or "source"; });
  fetchgit = a: mkDrv "fetchgit" (requireHash "fetchgit" a // { name = a.name or "source"; });
  fetchpatch = a: mkDrv "fetchpatch" (requireHash "fetchpatch" a // { name = a.name or (baseNameOf a.url); });
  fetchFromGitHub = { owner, repo, ... }@a: mkDrv "fetchFromGitHub" (requireHash "fetchFromGitHub" a // { name = a.name or "source"; });
  fetchFromGitLab = { owner, repo, ... }@a: mkDrv "fetchFromGitLab" (requireHash "fetchFromGitLab" a // { name = a.name or "source"; });

  buildGoModule = a:
    let attrs = resolveAttrs a; in
    if attrs ? vendorHash then mkDrv "buildGoModule" attrs
    else throw "buildGoModule: ${attrs.pname or "package"} needs `vendorHash` (null when vendored)";
  rustPlatform = {
    buildRustPackage = a:
      let attrs = resolveAttrs a; in
      if attrs ? cargoHash || attrs ? cargoLock || attrs ? cargoSha256 then mkDrv "rustPlatform.buildRustPackage" attrs
      else throw "buildRustPackage: ${attrs.pname or "package"} needs `cargoHash` or `cargoLock`";
  };
  buildNpmPackage = a: mkDrv "buildNpmPackage" (resolveAttrs a);
  python3Packages = packageSet "python3-" [ "pip" "requests" "pyyaml" "setuptools" "pytest" "black" "virtualenv" ] // {
    buildPythonApplication = a: mkDrv "buildPythonApplication" (resolveAttrs a);
    buildPythonPackage = a: mkDrv "buildPythonPackage" (resolveAttrs a);
  };

  inherit writeTextFile;
  writeText = name: text: writeTextFile { inherit name text; };
  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text: writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };
  writeShellScript = name: text: writeTextFile {
    inherit name;
    executable = true;
    text = "#!${final.runtimeShell}\n${text}";
  };
  writeShellScriptBin = name: text: writeTextFile {
    inherit name;
    executable = true;
    destination = "/bin/${name}";
    text = "#!${final.runtimeShell}\n${text}";
  };
  writeShellApplication = { name, text, runtimeInputs ? [ ], ... }@a: mkDrv "writeShellApplication" a;
  runCommand = name: env: script: mkDrv "runCommand" (env // { inherit name script; });
  runCommandLocal = name: env: script: mkDrv "runCommandLocal" (env // { inherit name script; });
  symlinkJoin = { name, paths, ... }@a: mkDrv "symlinkJoin" a;
  buildEnv = { name, paths, ... }@a: mkDrv "buildEnv" a;

  mkShell = a: mkDrv "mkShell" (a // { name = a.name or "nix-shell"; });
  mkShellNoCC = a: mkDrv "mkShellNoCC" (a // { name = a.name or "nix-shell"; });

  dockerTools = {
    buildImage = dockerImage "dockerTools.buildImage";
    buildLayeredImage = dockerImage "dockerTools.buildLayeredImage";
    streamLayeredImage = dockerImage "dockerTools.streamLayeredImage";
    pullImage = { imageName, imageDigest, ... }@a: mkDrv "dockerTools.pullImage" (requireHash "dockerTools.pullImage" a // { name = "docker-image-${baseNameOf imageName}"; });
    binSh = mkPackage "bin-sh";
    usrBinEnv = mkPackage "usr-bin-env";
    caCertificates = mkPackage "ca-certificates";
    fakeNss = mkPackage "fake-nss";
  };

  tmuxPlugins = packageSet "tmuxplugin-" [ "sensible" "yank" "resurrect" "continuum" "vim-tmux-navigator" "catppuccin" "tmux-fzf" "fzf-tmux-url" ];
  vimPlugins = packageSet "vimplugin-" [ "telescope-nvim" "nvim-treesitter" "lualine-nvim" "vim-nix" "gitsigns-nvim" "catppuccin-nvim" ];
  nodePackages = packageSet "node-" [ "typescript" "typescript-language-server" "prettier" "eslint" "pnpm" ];
  vscode-extensions = {
    jnoortheen.nix-ide = mkPackage "vscode-extension-jnoortheen-nix-ide";
    ms-python.python = mkPackage "vscode-extension-ms-python-python";
    ms-vscode.cpptools = mkPackage "vscode-extension-ms-vscode-cpptools";
  };
}
