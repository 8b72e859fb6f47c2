# Option types for the stub module system. Each type has `check` and
# `merge loc defs`, where defs is a list of { file, value } that already won
# the priority contest (see modules.nix).
{ lib }:

let
  inherit (builtins)
    all any concatLists concatMap filter foldl' head isAttrs isBool isFloat isFunction isInt
    isList isPath isString length tail;

  showOption = lib.showOption;

  showDefs = defs: lib.concatMapStrings (d: "\n- In `${d.file}': ${showValue d.value}") defs;

  showValue = v:
    if isString v then "\"${v}\""
    else if isBool v then lib.boolToString v
    else if isInt v || isFloat v then toString v
    else if v == null then "null"
    else if isPath v then toString v
    else if isList v then "[ ${toString (map showValue v)} ]"
    else if isAttrs v && (v.type or null) == "derivation" then "<derivation ${v.name or "?"}>"
    else if isAttrs v then "{ ${toString (map (n: "${n} = ...;") (builtins.attrNames v))} }"
    else builtins.typeOf v;

  mergeEqualOption = loc: defs:
    if defs == [ ] then throw "The option `${showOption loc}' has no definitions."
    else
      let first = head defs; in
      foldl'
        (acc: d:
          if d.value == first.value then acc
          else throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first d ]}")
        first.value
        (tail defs);

  mergeOneOption = loc: defs:
    if length defs == 1 then (head defs).value
    else mergeEqualOption loc defs;

  mergeDefaultOption = loc: defs:
    let values = map (d: d.value) defs; in
    if length values == 1 then head values
    else if all isFunction values then x: mergeDefaultOption loc (map (d: d // { value = d.value x; }) defs)
    else if all isList values then concatLists values
    else if all isAttrs values then foldl' (a: b: a // b) { } values
    else if all isBool values then any (x: x) values
    else if all isString values then lib.concatStrings values
    else mergeEqualOption loc defs;

  # A type's merge checks every definition first.
  mkOptionType =
    { name
    , description ? name
    , check ? (_: true)
    , merge ? mergeDefaultOption
    , nestedTypes ? { }
    , ...
    }@attrs:
    attrs // {
      _type = "option-type";
      inherit name description check nestedTypes;
      merge = loc: defs:
        let bad = filter (d: !check d.value) defs; in
        if bad == [ ] then merge loc defs
        else throw "A definition for option `${showOption loc}' is not of type `${description}'.${showDefs bad}";
    };

  isPackage = v: isAttrs v && ((v.type or null) == "derivation" || v ? outPath);

  separatedString = sep: mkOptionType {
    name = "separatedString";
    description = if sep == "" then "concatenated string" else "strings concatenated with ${builtins.toJSON sep}";
    check = isString;
    merge = loc: defs: builtins.concatStringsSep sep (map (d: d.value) defs);
  };

  ints = {
    unsigned = mkOptionType { name = "unsignedInt"; check = x: isInt x && x >= 0; merge = mergeEqualOption; };
    positive = mkOptionType { name = "positiveInt"; check = x: isInt x && x > 0; merge = mergeEqualOption; };
    between = lo: hi: mkOptionType {
      name = "intBetween";
      description = "integer between ${toString lo} and ${toString hi} (both inclusive)";
      check = x: isInt x && x >= lo && x <= hi;
      merge = mergeEqualOption;
    };
    u8 = ints.between 0 255;
    u16 = ints.between 0 65535;
    u32 = ints.between 0 4294967295;
  };

  # Merge the definitions of one element (of a list or attribute set) through
  # the element type, honouring mkIf/mkOverride on the element.
  mergeElement = loc: elemType: defs: lib.mergeDefinitions loc elemType defs;

  attrsOfWith = lazy: elemType: mkOptionType {
    name = if lazy then "lazyAttrsOf" else "attrsOf";
    description = "${if lazy then "lazy " else ""}attribute set of (${elemType.description})";
    check = isAttrs;
    nestedTypes.elemType = elemType;
    merge = loc: defs:
      let
        pushed = concatMap
          (d: map (value: { inherit (d) file; inherit value; }) (lib.pushDownProperties loc d.file d.value))
          defs;
        names = builtins.attrNames (builtins.listToAttrs
          (map (n: { name = n; value = null; }) (concatMap (d: builtins.attrNames d.value) pushed)));
        elemDefs = name: concatMap
          (d: if d.value ? ${name} then [ { inherit (d) file; value = d.value.${name}; } ] else [ ])
          pushed;
        merged = name: mergeElement (loc ++ [ name ]) elemType (elemDefs name);
      in
      if lazy then lib.genAttrs names (name: (merged name).value)
      else builtins.listToAttrs (concatMap
        (name: let r = merged name; in if r.isDefined then [ { inherit name; inherit (r) value; } ] else [ ])
        names);
  };

  submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? "submodule", ... }:
    mkOptionType {
      name = "submodule";
      inherit description;
      check = x: isAttrs x || isFunction x || isPath x;
      getSubModules = modules;
      merge = loc: defs:
        (lib.evalModules {
          modules =
            [ { _file = "<submodule ${showOption loc}>"; _module.args.name = lib.last loc; } ]
            ++ modules
            ++ lib.imap0 (i: d: { _file = d.file; key = "${d.file}#${showOption loc}#${toString i}"; imports = [ d.value ]; }) defs;
          inherit specialArgs;
          prefix = loc;
        }).config;
    };

  either = a: b: mkOptionType {
    name = "either";
    description = "${a.description} or ${b.description}";
    check = x: a.check x || b.check x;
    merge = loc: defs:
      let values = map (d: d.value) defs; in
      if all a.check values then a.merge loc defs
      else if all b.check values then b.merge loc defs
      else mergeOneOption loc defs;
  };

  types = {
    inherit mkOptionType mergeEqualOption mergeOneOption mergeDefaultOption ints either submoduleWith separatedString isPackage;
    isType = name: v: isAttrs v && (v._type or null) == "option-type" && v.name == name;

    unspecified = mkOptionType { name = "unspecified"; };
    anything = mkOptionType { name = "anything"; };
    raw = mkOptionType { name = "raw"; merge = mergeOneOption; };
    optionType = types.raw;

    bool = mkOptionType { name = "bool"; description = "boolean"; check = isBool; merge = mergeEqualOption; };
    int = mkOptionType { name = "int"; description = "signed integer"; check = isInt; merge = mergeEqualOption; };
    port = ints.u16;
    float = mkOptionType { name = "float"; check = isFloat; merge = mergeEqualOption; };
    number = either types.int types.float;
    str = mkOptionType { name = "str"; description = "string"; check = isString; merge = mergeEqualOption; };
    nonEmptyStr = mkOptionType { name = "nonEmptyStr"; check = x: isString x && builtins.match "[[:space:]]*" x == null; merge = mergeEqualOption; };
    singleLineStr = mkOptionType { name = "singleLineStr"; check = x: isString x && builtins.match "[^\n]*\n?" x != null; merge = mergeEqualOption; };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${builtins.toJSON pattern}";
      check = x: isString x && builtins.match pattern x != null;
      merge = mergeEqualOption;
    };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    passwdEntry = t: t;
    path = mkOptionType {
      name = "path";
      check = x: isPath x || isPackage x || (isString x && builtins.substring 0 1 x == "/");
      merge = mergeEqualOption;
    };
    pathInStore = types.path;
    package = mkOptionType { name = "package"; check = isPackage; merge = mergeOneOption; };
    shellPackage = types.package;
    attrs = mkOptionType {
      name = "attrs";
      description = "attribute set";
      check = isAttrs;
      merge = loc: defs: foldl' (a: d: a // d.value) { } defs;
    };
    pkgs = types.raw;

    listOf = elemType: mkOptionType {
      name = "listOf";
      description = "list of (${elemType.description})";
      check = isList;
      nestedTypes.elemType = elemType;
      merge = loc: defs: concatMap
        (d: concatMap
          (x:
            let r = mergeElement (loc ++ [ "[]" ]) elemType [ { inherit (d) file; value = x; } ]; in
            if r.isDefined then [ r.value ] else [ ])
          d.value)
        defs;
    };
    nonEmptyListOf = elemType: types.listOf elemType;
    attrsOf = attrsOfWith false;
    lazyAttrsOf = attrsOfWith true;
    uniq = elemType: elemType // { merge = mergeOneOption; };
    unique = { message }: elemType: elemType // { merge = mergeOneOption; };
    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${elemType.description}";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nulls = filter (d: d.value == null) defs; in
        if nulls == [ ] then elemType.merge loc defs
        else if length nulls == length defs then null
        else throw "The option `${showOption loc}' is defined both null and not null:${showDefs defs}";
    };
    enum = values: mkOptionType {
      name = "enum";
      description = "one of ${builtins.concatStringsSep ", " (map builtins.toJSON values)}";
      check = x: builtins.elem x values;
      merge = mergeEqualOption;
    };
    oneOf = ts: foldl' either (head ts) (tail ts);
    coercedTo = from: coerce: to: mkOptionType {
      name = "coercedTo";
      description = "${to.description} or ${from.description} convertible to it";
      check = x: to.check x || from.check x;
      merge = loc: defs: to.merge loc
        (map (d: if from.check d.value && !(to.check d.value) then d // { value = coerce d.value; } else d) defs);
    };
    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${elemType.description}";
      check = isFunction;
      merge = loc: defs: x: elemType.merge loc (map (d: d // { value = d.value x; }) defs);
    };
    submodule = modules: submoduleWith {
      modules = lib.toList modules;
      shorthandOnlyDefinesConfig = true;
    };
    deferredModule = mkOptionType {
      name = "deferredModule";
      check = x: isAttrs x || isFunction x || isPath x;
      merge = loc: defs: { imports = map (d: { _file = d.file; imports = [ d.value ]; }) defs; };
    };
  };
in
types
