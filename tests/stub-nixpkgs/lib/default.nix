# The stub nixpkgs library: the subset of nixpkgs' `lib` that typical NixOS,
# Home Manager and flake code uses, written for nixfold's tests.
let
  lib = base // modules // { inherit types; };

  modules = import ./modules.nix { inherit lib; };
  types = import ./types.nix { inherit lib; };

  inherit (builtins)
    attrNames attrValues concatLists concatMap concatStringsSep elem elemAt filter foldl'
    genList hasAttr head isAttrs isFunction isList isString length listToAttrs map mapAttrs
    replaceStrings split stringLength substring tail toString;

  base = rec {
    inherit (builtins)
      attrNames attrValues concatLists concatMap concatStringsSep elem elemAt filter foldl'
      functionArgs genList hasAttr head isAttrs isBool isFunction isInt isList isPath isString
      length listToAttrs mapAttrs removeAttrs replaceStrings split stringLength substring tail
      toJSON fromJSON toString intersectAttrs match sort all any typeOf groupBy seq deepSeq
      zipAttrsWith catAttrs readFile pathExists baseNameOf dirOf hashString trace;
    map = builtins.map;

    # --- trivial ---------------------------------------------------------
    id = x: x;

    # `callPackageWith autoArgs fn args`: fn's formals found in autoArgs,
    # then args; attribute-set results can be overridden.
    callPackageWith = autoArgs: fn: args:
      let
        f = if builtins.isFunction fn then fn else import fn;
        call = extra: f (builtins.intersectAttrs (builtins.functionArgs f) autoArgs // args // extra);
        result = call { };
      in
      if builtins.isAttrs result then result // { override = extra: call extra; } else result;
    const = x: _: x;
    flip = f: a: b: f b a;
    pipe = foldl' (x: f: f x);
    fix = f: let x = f x; in x;
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
    composeExtensions = f: g: final: prev:
      let fApplied = f final prev; in fApplied // g final (prev // fApplied);
    composeManyExtensions = foldr composeExtensions (_: _: { });
    warn = msg: builtins.trace "warning: ${msg}";
    warnIf = cond: msg: if cond then warn msg else x: x;
    throwIf = cond: msg: if cond then throw msg else x: x;
    throwIfNot = cond: msg: if cond then x: x else throw msg;
    assertMsg = pred: msg: pred || throw msg;
    max = a: b: if a > b then a else b;
    min = a: b: if a < b then a else b;
    mod = a: b: a - (a / b) * b;
    boolToString = b: if b then "true" else "false";
    "or" = a: b: a || b;
    "and" = a: b: a && b;
    isDerivation = v: isAttrs v && (v.type or null) == "derivation";
    inPureEvalMode = !(builtins ? currentSystem);
    trivial = { inherit id const flip pipe fix warn boolToString; release = "24.11"; };

    # --- lists -----------------------------------------------------------
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    toList = x: if isList x then x else [ x ];
    singleton = x: [ x ];
    foldr = op: nul: list:
      let
        len = length list;
        go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
      in
      go 0;
    fold = foldr;
    foldl = op: nul: list: foldl' op nul list;
    imap0 = f: list: genList (n: f n (elemAt list n)) (length list);
    imap1 = f: list: genList (n: f (n + 1) (elemAt list n)) (length list);
    flatten = x: if isList x then concatMap flatten x else [ x ];
    remove = e: filter (x: x != e);
    unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
    range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
    count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
    last = list: elemAt list (length list - 1);
    init = list: genList (elemAt list) (length list - 1);
    take = n: list: genList (elemAt list) (min n (length list));
    drop = n: list: let len = length list; in genList (i: elemAt list (i + n)) (max 0 (len - n));
    reverseList = list: let len = length list; in genList (n: elemAt list (len - n - 1)) len;
    findFirst = pred: default: list:
      let found = filter pred list; in if found == [ ] then default else head found;
    partition = builtins.partition;
    subtractLists = e: filter (x: !(elem x e));
    intersectLists = e: filter (x: elem x e);
    zipLists = xs: ys: genList (i: { fst = elemAt xs i; snd = elemAt ys i; }) (min (length xs) (length ys));
    sortOn = f: builtins.sort (a: b: f a < f b);
    naturalSort = builtins.sort (a: b: a < b);
    lists = { inherit optional optionals toList foldr foldl imap0 imap1 flatten remove unique range count last init take drop reverseList findFirst subtractLists intersectLists; };

    # --- strings ---------------------------------------------------------
    concatStrings = concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    concatLines = list: concatStrings (map (l: l + "\n") list);
    optionalString = cond: s: if cond then s else "";
    hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
    hasSuffix = suff: str:
      let lenS = stringLength str; lenSuff = stringLength suff; in
      lenS >= lenSuff && substring (lenS - lenSuff) lenSuff str == suff;
    hasInfix = infix: str: builtins.match ".*${escapeRegex infix}.*" str != null;
    removePrefix = pref: str:
      if hasPrefix pref str then substring (stringLength pref) (stringLength str) str else str;
    removeSuffix = suff: str:
      if hasSuffix suff str then substring 0 (stringLength str - stringLength suff) str else str;
    stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
    escapeRegex = replaceStrings
      [ "\\" "[" "]" "{" "}" "(" ")" "^" "$" "*" "+" "?" "." "|" ]
      [ "\\\\" "\\[" "\\]" "\\{" "\\}" "\\(" "\\)" "\\^" "\\$" "\\*" "\\+" "\\?" "\\." "\\|" ];
    splitString = sep: s: filter isString (split (escapeRegex (toString sep)) (toString s));
    toUpper = replaceStrings lowerChars upperChars;
    toLower = replaceStrings upperChars lowerChars;
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    trim = s:
      let m = builtins.match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in
      if m == null then "" else head m;
    escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    toInt = s:
      let m = builtins.match "[[:space:]]*(-?[0-9]+)[[:space:]]*" s; in
      if m == null then throw "could not convert '${s}' to an integer" else builtins.fromJSON (head m);
    fixedWidthString = width: filler: str:
      let strw = stringLength str; in
      if strw >= width then str else fixedWidthString width filler (filler + str);
    fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);
    versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;
    makeSearchPath = subDir: paths: concatStringsSep ":" (map (p: "${p}/${subDir}") (filter (p: p != null) paths));
    makeBinPath = makeSearchPath "bin";
    makeLibraryPath = makeSearchPath "lib";
    getName = x:
      let parsed = builtins.parseDrvName (if isString x then x else x.name); in
      if isAttrs x && x ? pname then x.pname else parsed.name;
    getVersion = x:
      if isAttrs x && x ? version then x.version
      else (builtins.parseDrvName (if isString x then x else x.name)).version;
    getExe = drv: "${drv}/bin/${drv.meta.mainProgram or (getName drv)}";
    getExe' = drv: exe: "${drv}/bin/${exe}";
    getBin = drv: drv.bin or drv;
    getLib = drv: drv.lib or drv;
    strings = { inherit concatStrings concatMapStrings concatMapStringsSep optionalString hasPrefix hasSuffix hasInfix removePrefix removeSuffix splitString toUpper toLower escapeShellArg escapeShellArgs toInt trim; };

    # --- attribute sets --------------------------------------------------
    nameValuePair = name: value: { inherit name value; };
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    attrsToList = mapAttrsToList nameValuePair;
    filterAttrs = pred: set:
      listToAttrs (concatMap (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (attrNames set));
    concatMapAttrs = f: v: foldl' (a: b: a // b) { } (mapAttrsToList f v);
    foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);
    attrByPath = attrPath: default: e:
      if attrPath == [ ] then e
      else if isAttrs e && e ? ${head attrPath} then attrByPath (tail attrPath) default e.${head attrPath}
      else default;
    hasAttrByPath = attrPath: e:
      attrPath == [ ] || (isAttrs e && e ? ${head attrPath} && hasAttrByPath (tail attrPath) e.${head attrPath});
    getAttrFromPath = attrPath: set:
      attrByPath attrPath (throw "cannot find attribute `${concatStringsSep "." attrPath}'") set;
    setAttrByPath = attrPath: value:
      if attrPath == [ ] then value else { ${head attrPath} = setAttrByPath (tail attrPath) value; };
    recursiveUpdateUntil = pred: lhs: rhs:
      let
        f = attrPath: zipAttrsWith (n: values:
          let here = attrPath ++ [ n ]; in
          if length values == 1 || pred here (elemAt values 1) (head values)
          then head values
          else f here values);
      in
      f [ ] [ rhs lhs ];
    recursiveUpdate = recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs));
    mergeAttrs = x: y: x // y;
    optionalAttrs = cond: as: if cond then as else { };
    getAttrs = names: attrs: genAttrs names (n: attrs.${n});
    attrVals = nameList: set: map (x: set.${x}) nameList;
    cartesianProduct = attrsOfLists:
      foldl' (listOfAttrs: attrName:
        concatMap (attrs: map (v: attrs // { ${attrName} = v; }) attrsOfLists.${attrName}) listOfAttrs
      ) [ { } ] (attrNames attrsOfLists);
    attrsets = { inherit genAttrs mapAttrs' mapAttrsToList filterAttrs attrByPath hasAttrByPath getAttrFromPath setAttrByPath recursiveUpdate optionalAttrs nameValuePair cartesianProduct; };

    # --- sources ---------------------------------------------------------
    cleanSourceFilter = name: type:
      let baseName = baseNameOf (toString name); in
      !((type == "directory" && (baseName == ".git" || baseName == ".svn"))
        || hasSuffix "~" baseName || builtins.match "^\\.sw[a-z]$" baseName != null
        || (type == "symlink" && hasPrefix "result" baseName));
    cleanSourceWith = { src, filter ? _: _: true, name ? "source" }:
      builtins.path { path = src; inherit name; filter = path: type: filter path type; };
    cleanSource = src: cleanSourceWith { inherit src; filter = cleanSourceFilter; };
    sources = { inherit cleanSource cleanSourceWith cleanSourceFilter; };

    # --- meta, platforms -------------------------------------------------
    licenses = mapAttrs (name: spdx: { shortName = name; spdxId = spdx; free = true; }) {
      mit = "MIT"; asl20 = "Apache-2.0"; bsd3 = "BSD-3-Clause"; gpl2Only = "GPL-2.0-only";
      gpl3Only = "GPL-3.0-only"; gpl3Plus = "GPL-3.0-or-later"; lgpl21Plus = "LGPL-2.1-or-later";
      mpl20 = "MPL-2.0"; isc = "ISC"; unlicense = "Unlicense";
    } // { unfree = { shortName = "unfree"; free = false; }; };
    maintainers = { };
    platforms = {
      linux = [ "x86_64-linux" "aarch64-linux" ];
      darwin = [ "x86_64-darwin" "aarch64-darwin" ];
      unix = platforms.linux ++ platforms.darwin;
      all = platforms.unix;
    };
    systems = {
      flakeExposed = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      elaborate = system: {
        inherit system;
        isLinux = hasSuffix "-linux" system;
        isDarwin = hasSuffix "-darwin" system;
        isx86_64 = hasPrefix "x86_64-" system;
        isAarch64 = hasPrefix "aarch64-" system;
      };
    };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    literalMD = text: { _type = "literalMD"; inherit text; };
    mdDoc = x: x;
    version = "24.11-stub";
    versionSuffix = "";
    isStub = true;
  };
in
lib
