# nixfold's lib prelude: the parts of nixpkgs' `lib` that configurations use
# most, written for nixfold from nixpkgs' documented behaviour. It is used
# when the real nixpkgs lib is not available.
#
# Plain Nix with no arguments: `import ./lib.nix` gives the lib attribute set,
# with real Nix as with nixfold (tests/lib_prelude.rs checks both).
#
# The module-system constructors (mkIf, mkMerge, mkOverride, mkOrder,
# mkOption, ...) return the tagged attribute sets the module system expects
# (`_type = "if"`, `"merge"`, `"override"`, `"order"`, `"option"`). Functions
# select attributes directly where they can, so that an unknown `pkgs` stays
# an unknown value (`pkgs.hello`) under nixfold's symbolic evaluation.
let
  inherit (builtins)
    attrNames
    attrValues
    concatLists
    concatMap
    concatStringsSep
    elem
    elemAt
    filter
    foldl'
    genList
    head
    isAttrs
    isBool
    isFloat
    isFunction
    isInt
    isList
    isString
    length
    listToAttrs
    mapAttrs
    match
    replaceStrings
    split
    stringLength
    substring
    tail
    typeOf
    zipAttrsWith
    ;

  # ------------------------------------------------------------- trivial

  trivial = rec {
    id = x: x;
    const = x: _: x;
    flip = f: a: b: f b a;
    pipe = value: fns: foldl' (x: f: f x) value fns;
    concat = x: y: x ++ y;
    "or" = x: y: x || y;
    and = x: y: x && y;
    xor = x: y: (!x) != (!y);
    mergeAttrs = x: y: x // y;
    boolToString = b: if b then "true" else "false";
    min = x: y: if x < y then x else y;
    max = x: y: if x > y then x else y;
    mod = base: int: base - (int * (builtins.div base int));
    compare = a: b: if a < b then -1 else if a > b then 1 else 0;
    fix = f: let x = f x; in x;
    isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));
    toFunction = v: if isFunction v then v else _: v;
    throwIf = cond: msg: if cond then throw msg else x: x;
    throwIfNot = cond: msg: if cond then x: x else throw msg;
    warn = msg: builtins.trace "warning: ${msg}";
    warnIf = cond: msg: if cond then warn msg else x: x;
    warnIfNot = cond: msg: if cond then x: x else warn msg;
    importJSON = path: builtins.fromJSON (builtins.readFile path);
    importTOML = path: builtins.fromTOML (builtins.readFile path);
    inherit (builtins) seq deepSeq;
  };

  fixedPoints = rec {
    inherit (trivial) fix;
    fix' = f: let x = f x // { __unfix__ = f; }; in x;
    extends = f: rattrs: self: let super = rattrs self; in super // f self super;
    composeExtensions = f: g: final: prev:
      let
        fApplied = f final prev;
        prev' = prev // fApplied;
      in
      fApplied // g final prev';
    composeManyExtensions = lists.foldr (x: y: composeExtensions x y) (final: prev: { });
    makeExtensible = makeExtensibleWithCustomName "extend";
    makeExtensibleWithCustomName = extenderName: rattrs:
      fix' (self: (rattrs self) // {
        ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs);
      });
  };

  asserts = {
    assertMsg = pred: msg: pred || throw msg;
    assertOneOf = name: val: xs:
      asserts.assertMsg (elem val xs)
        "${name} must be one of ${builtins.toJSON xs}, but is: ${builtins.toJSON val}";
  };

  # --------------------------------------------------------------- lists

  lists = rec {
    inherit (builtins)
      head tail length elem elemAt filter map concatMap concatLists genList
      sort any all partition groupBy foldl'
      ;
    singleton = x: [ x ];
    forEach = xs: f: map f xs;
    foldr = op: nul: list:
      let
        len = length list;
        go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
      in
      go 0;
    fold = foldr;
    foldl = op: nul: list:
      let go = n: if n == -1 then nul else op (go (n - 1)) (elemAt list n);
      in go (length list - 1);
    imap0 = f: list: genList (n: f n (elemAt list n)) (length list);
    imap1 = f: list: genList (n: f (n + 1) (elemAt list n)) (length list);
    flatten = x: if isList x then concatMap (y: flatten y) x else [ x ];
    remove = e: filter (x: x != e);
    findSingle = pred: default: multiple: list:
      let
        found = filter pred list;
        len = length found;
      in
      if len == 0 then default else if len != 1 then multiple else head found;
    findFirst = pred: default: list:
      let found = filter pred list;
      in if found == [ ] then default else head found;
    count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    toList = x: if isList x then x else [ x ];
    range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
    replicate = n: elem: genList (_: elem) n;
    zipListsWith = f: fst: snd:
      genList (n: f (elemAt fst n) (elemAt snd n)) (trivial.min (length fst) (length snd));
    zipLists = zipListsWith (fst: snd: { inherit fst snd; });
    reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
    sublist = start: count: list:
      let len = length list;
      in genList (n: elemAt list (n + start)) (
        if start >= len then 0
        else if start + count > len then len - start
        else count
      );
    take = count: sublist 0 count;
    drop = count: list: sublist count (length list) list;
    last = list:
      assert asserts.assertMsg (list != [ ]) "lists.last: list must not be empty!";
      elemAt list (length list - 1);
    init = list:
      assert asserts.assertMsg (list != [ ]) "lists.init: list must not be empty!";
      take (length list - 1) list;
    unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
    intersectLists = e: filter (x: elem x e);
    subtractLists = e: filter (x: !(elem x e));
    mutuallyExclusive = a: b: length a == 0 || !(any (x: elem x a) b);
    intersperse = separator: list:
      if list == [ ] || length list == 1 then list
      else tail (concatMap (x: [ separator x ]) list);
    ifilter0 = ipred: input:
      map (idx: elemAt input idx) (filter (idx: ipred idx (elemAt input idx)) (range 0 (length input - 1)));
  };

  # ------------------------------------------------------------- strings

  strings = rec {
    inherit (builtins) concatStringsSep replaceStrings stringLength substring toString;
    concatStrings = concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    concatImapStrings = f: list: concatStrings (lists.imap1 f list);
    concatImapStringsSep = sep: f: list: concatStringsSep sep (lists.imap1 f list);
    concatLines = concatMapStrings (s: s + "\n");
    intersperse = lists.intersperse;
    optionalString = cond: string: if cond then string else "";
    hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let
        lenContent = stringLength content;
        lenSuffix = stringLength suffix;
      in
      lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
    hasInfix = infix: content: match ".*${escapeRegex infix}.*" "${content}" != null;
    removePrefix = prefix: str:
      let preLen = stringLength prefix;
      in if substring 0 preLen str == prefix
        then substring preLen (stringLength str - preLen) str
        else str;
    removeSuffix = suffix: str:
      let
        sufLen = stringLength suffix;
        sLen = stringLength str;
      in
      if sufLen <= sLen && suffix == substring (sLen - sufLen) sufLen str
      then substring 0 (sLen - sufLen) str
      else str;
    stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
    stringAsChars = f: s: concatStrings (map f (stringToCharacters s));
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    toLower = replaceStrings upperChars lowerChars;
    toUpper = replaceStrings lowerChars upperChars;
    escape = list: replaceStrings list (map (c: "\\${c}") list);
    escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
    escapeNixString = s: escape [ "$" ] (builtins.toJSON s);
    escapeShellArg = arg:
      let string = toString arg;
      in if match "[[:alnum:],._+:@%/-]+" string == null
        then "'${replaceStrings [ "'" ] [ "'\\''" ] string}'"
        else string;
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    splitString = sep: s:
      let splits = filter isString (split (escapeRegex (toString sep)) (toString s));
      in map (addContextFrom s) splits;
    addContextFrom = a: b: substring 0 0 a + b;
    trimWith = { start ? false, end ? false }: s:
      let
        chars = " \t\r\n";
        regex =
          if start && end then "[${chars}]*(.*[^${chars}])[${chars}]*"
          else if start then "[${chars}]*(.*)"
          else if end then "(.*[^${chars}])[${chars}]*"
          else "(.*)";
        res = match regex s;
      in
      optionalString (res != null) (head res);
    trim = trimWith { start = true; end = true; };
    toInt = str:
      let
        stripped = match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*" str;
        leadingZero = match "0[[:digit:]]+" (head stripped) == [ ];
        parsed = builtins.fromJSON (head stripped);
      in
      if stripped == null then throw "toInt: Could not convert ${escapeNixString str} to int."
      else if leadingZero then throw "toInt: Ambiguity in interpretation of ${escapeNixString str} between octal and zero padded integer."
      else if !isInt parsed then throw "toInt: Could not convert ${escapeNixString str} to int."
      else parsed;
    makeSearchPath = subDir: paths:
      concatStringsSep ":" (map (path: path + "/" + subDir) (filter (x: x != null) paths));
    makeSearchPathOutput = output: subDir: pkgs:
      makeSearchPath subDir (map (attrsets.getOutput output) pkgs);
    makeBinPath = makeSearchPathOutput "bin" "bin";
    makeLibraryPath = makeSearchPathOutput "lib" "lib";
    fileContents = file: removeSuffix "\n" (builtins.readFile file);
    enableFeature = enable: feat: "--${if enable then "enable" else "disable"}-${feat}";
    withFeature = with_: feat: "--${if with_ then "with" else "without"}-${feat}";
    getName = x:
      if isString x then (builtins.parseDrvName x).name
      else x.pname or (builtins.parseDrvName x.name).name;
    getVersion = x:
      if isString x then (builtins.parseDrvName x).version
      else x.version or (builtins.parseDrvName x.name).version;
    versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;
  };

  versions = rec {
    splitVersion = builtins.splitVersion;
    major = v: elemAt (splitVersion v) 0;
    minor = v: elemAt (splitVersion v) 1;
    patch = v: elemAt (splitVersion v) 2;
    majorMinor = v: concatStringsSep "." (lists.take 2 (splitVersion v));
  };

  # ------------------------------------------------------------ attrsets

  attrsets = rec {
    inherit (builtins) attrNames attrValues catAttrs listToAttrs mapAttrs removeAttrs intersectAttrs zipAttrsWith;
    nameValuePair = name: value: { inherit name value; };
    attrByPath = attrPath: default: set:
      let
        len = length attrPath;
        go = n: s:
          if n == len then s
          else
            let attr = elemAt attrPath n;
            in if s ? ${attr} then go (n + 1) s.${attr} else default;
      in
      go 0 set;
    hasAttrByPath = attrPath: e:
      if attrPath == [ ] then true
      else
        let attr = head attrPath;
        in if e ? ${attr} then hasAttrByPath (tail attrPath) e.${attr} else false;
    setAttrByPath = attrPath: value:
      let
        len = length attrPath;
        atDepth = n: if n == len then value else { ${elemAt attrPath n} = atDepth (n + 1); };
      in
      atDepth 0;
    getAttrFromPath = attrPath: set:
      attrByPath attrPath (abort "cannot find attribute `${concatStringsSep "." attrPath}'") set;
    attrVals = nameList: set: map (x: set.${x}) nameList;
    getAttrs = names: attrs: genAttrs names (name: attrs.${name});
    filterAttrs = pred: set:
      listToAttrs (concatMap (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (attrNames set));
    filterAttrsRecursive = pred: set:
      listToAttrs (concatMap
        (name:
          let v = set.${name};
          in if pred name v
            then [ (nameValuePair name (if isAttrs v then filterAttrsRecursive pred v else v)) ]
            else [ ])
        (attrNames set));
    foldAttrs = op: nul: list:
      lists.foldr (n: a: lists.foldr (name: o: o // { ${name} = op n.${name} (a.${name} or nul); }) a (attrNames n)) { } list;
    collect = pred: attrs:
      if pred attrs then [ attrs ]
      else if isAttrs attrs then concatMap (collect pred) (attrValues attrs)
      else [ ];
    mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    attrsToList = mapAttrsToList nameValuePair;
    mapAttrsRecursiveCond = cond: f: set:
      let
        recurse = path:
          mapAttrs (name: value:
            if isAttrs value && cond value then recurse (path ++ [ name ]) value
            else f (path ++ [ name ]) value);
      in
      recurse [ ] set;
    mapAttrsRecursive = mapAttrsRecursiveCond (_: true);
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    optionalAttrs = cond: as: if cond then as else { };
    zipAttrs = zipAttrsWith (name: values: values);
    recursiveUpdateUntil = pred: lhs: rhs:
      let
        f = attrPath: zipAttrsWith (n: values:
          let here = attrPath ++ [ n ];
          in if length values == 1 || pred here (elemAt values 1) (head values)
            then head values
            else f here values);
      in
      f [ ] [ rhs lhs ];
    recursiveUpdate = recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs));
    isDerivation = value: value.type or null == "derivation";
    getOutput = output: pkg:
      if !(pkg ? outputSpecified) || !pkg.outputSpecified
      then pkg.${output} or pkg.out or pkg
      else pkg;
    getBin = getOutput "bin";
    getLib = getOutput "lib";
    getDev = getOutput "dev";
    getMan = getOutput "man";
  };

  # ------------------------------------------------------ module system

  modules = rec {
    defaultOverridePriority = 100;
    defaultOrderPriority = 1000;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkAssert = assertion: message: content:
      mkIf (if assertion then true else throw "\nFailed assertion: ${message}") content;
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkOptionDefault = mkOverride 1500;
    mkDefault = mkOverride 1000;
    mkImageMediaOverride = mkOverride 60;
    mkForce = mkOverride 50;
    mkVMOverride = mkOverride 10;
    mkFixStrictness = x: x;
    mkOrder = priority: content: { _type = "order"; inherit priority content; };
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
  };

  options = rec {
    isOption = x: (x._type or "") == "option";
    mkOption =
      { default ? null
      , defaultText ? null
      , example ? null
      , description ? null
      , relatedPackages ? null
      , type ? null
      , apply ? null
      , internal ? null
      , visible ? null
      , readOnly ? null
      } @ attrs:
      attrs // { _type = "option"; };
    mkEnableOption = name: mkOption {
      default = false;
      example = true;
      description = "Whether to enable ${name}.";
      type = types.bool;
    };
    # The default is selected attribute by attribute (no `?` checks), so an
    # unknown `pkgs` gives the unknown `pkgs.<name>`.
    mkPackageOption = pkgs: name:
      { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
      let
        name' = if isList name then lists.last name else name;
        default' = if isList default then default else [ default ];
        defaultPath = concatStringsSep "." default';
        defaultValue = foldl' (set: attr: set.${attr}) pkgs default';
      in
      mkOption ({
        defaultText = literalExpression "${pkgsText}.${defaultPath}";
        type = if nullable then types.nullOr types.package else types.package;
        description = "The ${name'} package to use."
          + (if extraDescription == "" then "" else " ") + extraDescription;
      }
      // attrsets.optionalAttrs (default != null) { default = defaultValue; }
      // attrsets.optionalAttrs (example != null) {
        example = literalExpression
          (if isList example then "${pkgsText}.${concatStringsSep "." example}" else example);
      });
    literalExpression = text:
      if !isString text then throw "literalExpression expects a string."
      else { _type = "literalExpression"; inherit text; };
    literalExample = literalExpression;
    literalMD = text:
      if !isString text then throw "literalMD expects a string."
      else { _type = "literalMD"; inherit text; };
    mdDoc = x: x;
    mergeDefaultOption = loc: defs:
      let list = map (d: d.value) defs;
      in if length list == 1 then head list
        else if lists.all isFunction list then x: mergeDefaultOption loc (map (f: f x) list)
        else if lists.all isList list then concatLists list
        else if lists.all isAttrs list then foldl' (a: b: a // b) { } list
        else if lists.all isBool list then lists.any (x: x) list
        else if lists.all isString list then concatStringsSep "" list
        else if lists.all isInt list && lists.all (x: x == head list) list then head list
        else throw "Cannot merge definitions of `${showOption loc}'.";
    mergeOneOption = loc: defs:
      if defs == [ ] then abort "This case should never happen."
      else if length defs != 1 then throw "The unique option `${showOption loc}' is defined multiple times."
      else (head defs).value;
    mergeEqualOption = loc: defs:
      if defs == [ ] then abort "This case should never happen."
      else (foldl' (val: def:
        if def.value != val.value
        then throw "The option `${showOption loc}' has conflicting definition values."
        else val) (head defs) (tail defs)).value;
    getValues = map (x: x.value);
    getFiles = map (x: x.file);
    showOption = parts:
      concatStringsSep "." (map (part:
        if match "[a-zA-Z_][a-zA-Z0-9_'-]*" part != null then part else builtins.toJSON part) parts);
  };

  # --------------------------------------------------------------- types

  types = rec {
    isType = type: x: (x._type or "") == type;
    isOptionType = isType "option-type";
    mkOptionType =
      { name
      , description ? null
      , check ? (_: true)
      , merge ? options.mergeDefaultOption
      , emptyValue ? { }
      , getSubOptions ? (prefix: { })
      , nestedTypes ? { }
      , ...
      } @ attrs:
      {
        _type = "option-type";
        inherit name check merge emptyValue getSubOptions nestedTypes;
        description = if description == null then name else description;
      };

    anything = mkOptionType { name = "anything"; description = "anything"; };
    unspecified = mkOptionType { name = "unspecified"; description = "unspecified value"; };
    raw = mkOptionType { name = "raw"; description = "raw value"; check = _: true; merge = options.mergeOneOption; };
    bool = mkOptionType { name = "bool"; description = "boolean"; check = isBool; merge = options.mergeEqualOption; };
    int = mkOptionType { name = "int"; description = "signed integer"; check = isInt; merge = options.mergeEqualOption; };
    ints = rec {
      between = lowest: highest: addCheck int (x: x >= lowest && x <= highest) // {
        name = "intBetween";
        description = "integer between ${toString lowest} and ${toString highest} (both inclusive)";
      };
      unsigned = addCheck int (x: x >= 0) // { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; };
      positive = addCheck int (x: x > 0) // { name = "positiveInt"; description = "positive integer, meaning >0"; };
      u8 = between 0 255;
      u16 = between 0 65535;
      u32 = between 0 4294967295;
      s8 = between (-128) 127;
      s16 = between (-32768) 32767;
      s32 = between (-2147483648) 2147483647;
    };
    port = ints.u16;
    float = mkOptionType { name = "float"; description = "floating point number"; check = isFloat; merge = options.mergeEqualOption; };
    number = either int float // { name = "number"; description = "signed integer or floating point number"; };
    str = mkOptionType { name = "str"; description = "string"; check = isString; merge = options.mergeEqualOption; };
    nonEmptyStr = addCheck str (x: match "[ \t\n]*" x == null) // { name = "nonEmptyStr"; description = "non-empty string"; };
    singleLineStr = addCheck str (x: match "[^\n\r]*\n?" x != null) // { name = "singleLineStr"; description = "(optionally newline-terminated) single-line string"; };
    strMatching = pattern: addCheck str (x: match pattern x != null) // {
      name = "strMatching ${builtins.toJSON pattern}";
      description = "string matching the pattern ${pattern}";
    };
    separatedString = sep: mkOptionType {
      name = "separatedString";
      description = if sep == "" then "Concatenated string" else "strings concatenated with ${builtins.toJSON sep}";
      check = isString;
      merge = loc: defs: concatStringsSep sep (options.getValues defs);
    };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    attrs = mkOptionType { name = "attrs"; description = "attribute set"; check = isAttrs; merge = loc: foldl' (res: def: res // def.value) { }; };
    package = mkOptionType {
      name = "package";
      description = "package";
      check = x: attrsets.isDerivation x || (isString x && strings.hasPrefix "${builtins.storeDir}/" x);
      merge = options.mergeOneOption;
    };
    path = mkOptionType {
      name = "path";
      description = "path";
      check = x: builtins.isPath x || (isString x && substring 0 1 x == "/");
      merge = options.mergeEqualOption;
    };
    listOf = elemType: mkOptionType {
      name = "listOf";
      description = "list of ${elemType.description}";
      check = isList;
      merge = loc: defs: concatLists (options.getValues defs);
      nestedTypes.elemType = elemType;
    };
    nonEmptyListOf = elemType: addCheck (listOf elemType) (l: l != [ ]) // {
      description = "non-empty ${(listOf elemType).description}";
    };
    attrsOf = elemType: mkOptionType {
      name = "attrsOf";
      description = "attribute set of ${elemType.description}";
      check = isAttrs;
      merge = loc: defs: foldl' (res: def: res // def.value) { } defs;
      nestedTypes.elemType = elemType;
    };
    lazyAttrsOf = elemType: attrsOf elemType // { name = "lazyAttrsOf"; description = "lazy attribute set of ${elemType.description}"; };
    uniq = elemType: elemType // { merge = options.mergeOneOption; };
    unique = { message }: elemType: elemType // { merge = options.mergeOneOption; };
    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${elemType.description}";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nrNulls = lists.count (def: def.value == null) defs;
        in if nrNulls == length defs then null
          else if nrNulls != 0 then throw "The option `${options.showOption loc}' is defined both null and not null."
          else elemType.merge loc defs;
      nestedTypes.elemType = elemType;
    };
    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${elemType.description}";
      check = isFunction;
      merge = loc: defs: fnArgs: elemType.merge loc (map (def: { inherit (def) file; value = def.value fnArgs; }) defs);
      nestedTypes.elemType = elemType;
    };
    submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, ... }: mkOptionType {
      name = "submodule";
      description = if description != null then description else "submodule";
      check = x: isAttrs x || isFunction x || path.check x;
      merge = loc: defs: { _type = "submodule-definitions"; inherit modules; definitions = options.getValues defs; };
      nestedTypes = { };
    };
    submodule = modules: submoduleWith {
      shorthandOnlyDefinesConfig = true;
      modules = lists.toList modules;
    };
    deferredModule = mkOptionType {
      name = "deferredModule";
      description = "module";
      check = x: isAttrs x || isFunction x || path.check x;
      merge = loc: defs: { imports = options.getValues defs; };
    };
    enum = values:
      let
        show = v:
          if isString v then ''"${v}"''
          else if isInt v then toString v
          else if isBool v then trivial.boolToString v
          else "<${typeOf v}>";
      in
      mkOptionType {
        name = "enum";
        description =
          if values == [ ] then "impossible (empty enum)"
          else if length values == 1 then "value ${show (head values)} (singular enum)"
          else "one of ${concatStringsSep ", " (map show values)}";
        check = x: elem x values;
        merge = options.mergeEqualOption;
      };
    either = t1: t2: mkOptionType {
      name = "either";
      description = "${t1.description} or ${t2.description}";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let defList = map (d: d.value) defs;
        in if lists.all (x: t1.check x) defList then t1.merge loc defs
          else if lists.all (x: t2.check x) defList then t2.merge loc defs
          else options.mergeOneOption loc defs;
      nestedTypes = { left = t1; right = t2; };
    };
    oneOf = ts:
      let
        head' = if ts == [ ] then throw "types.oneOf needs to get at least one type in its argument" else head ts;
        tail' = tail ts;
      in
      foldl' either head' tail';
    coercedTo = coercedType: coerceFunc: finalType: mkOptionType {
      name = "coercedTo";
      description = "${finalType.description} or ${coercedType.description} convertible to it";
      check = x: finalType.check x || coercedType.check x;
      merge = loc: defs:
        let coerceVal = val: if coercedType.check val && !(finalType.check val) then coerceFunc val else val;
        in finalType.merge loc (map (def: def // { value = coerceVal def.value; }) defs);
      nestedTypes = { inherit coercedType finalType; };
    };
    addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };
    optionType = mkOptionType { name = "optionType"; description = "optionType"; check = isOptionType; merge = options.mergeOneOption; };
  };

  # ------------------------------------------------------------- systems

  systems = {
    # The systems nixpkgs exposes in flake outputs.
    flakeExposed = [
      "x86_64-linux"
      "aarch64-linux"
      "x86_64-darwin"
      "armv6l-linux"
      "armv7l-linux"
      "i686-linux"
      "aarch64-darwin"
      "powerpc64le-linux"
      "riscv64-linux"
      "x86_64-freebsd"
    ];
  };
in
# The flat lib, as nixpkgs exposes most functions at the top level, plus the
# namespaces.
trivial // fixedPoints // asserts // lists // strings // attrsets // modules // options
// {
  inherit (versions) splitVersion;
  inherit (strings) versionOlder versionAtLeast;
  inherit (types) isType mkOptionType;
  inherit (builtins)
    isAttrs isBool isFloat isInt isList isPath isString typeOf
    hasAttr getAttr readFile pathExists toJSON fromJSON
    ;
  inherit trivial fixedPoints asserts lists strings versions attrsets modules options types systems;
  # Users write `forAllSystems = lib.genAttrs lib.systems.flakeExposed;`.
  inherit (attrsets) genAttrs;
  # The flat names that differ from their namespace's.
  inherit (lists) sort;
}
