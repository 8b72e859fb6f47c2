# A small NixOS-style module system: modules are collected through `imports`,
# called with { config, lib, options, specialArgs, ... } // specialArgs (and any
# other argument from config._module.args), and their definitions merged
# lazily, so `config` may refer to itself.
#
# Declared options (mkOption with a type) merge through their type; paths that
# no module declares are merged freeform: attribute sets recursively, lists
# concatenated, other values must agree. mkIf, mkMerge, mkOverride (mkDefault,
# mkForce, ...) and mkOrder (mkBefore, mkAfter) work at any level.
{ lib }:

let
  inherit (builtins)
    attrNames concatMap concatStringsSep elem filter foldl' functionArgs genericClosure head
    isAttrs isBool isFunction isList isPath isString length listToAttrs mapAttrs removeAttrs
    sort tail typeOf;

  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  mkOption = attrs: attrs // { _type = "option"; };
  isOption = v: isAttrs v && (v._type or null) == "option";
  mkEnableOption = name: mkOption {
    type = lib.types.bool;
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
  };
  mkPackageOption = pkgs: name: { default ? [ name ], nullable ? false, example ? null, extraDescription ? "" }:
    let path = lib.toList default; in
    mkOption {
      type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      default = lib.attrByPath path (throw "mkPackageOption: pkgs.${concatStringsSep "." path} does not exist") pkgs;
      description = "The ${toString name} package to use.${extraDescription}";
    };

  showOption = loc: concatStringsSep "." loc;

  showValue = v:
    if isString v then "\"${v}\""
    else if isBool v then lib.boolToString v
    else if builtins.isInt v || builtins.isFloat v then toString v
    else if v == null then "null"
    else if isPath v then toString v
    else if isList v then "a list"
    else if isAttrs v && (v.type or null) == "derivation" then "the package ${v.name or "?"}"
    else if isAttrs v then "an attribute set"
    else typeOf v;

  # --- collecting modules --------------------------------------------------

  # Call a module function the way NixOS does: every argument it names comes
  # from the fixed arguments or else from config._module.args.
  applyModuleArgs = args: f:
    f (args // mapAttrs
      (name: _: args.${name} or args.config._module.args.${name}
        or (throw "module argument `${name}' is neither a special argument nor in _module.args"))
      (functionArgs f));

  unifyModule = args: key: m:
    let
      fromFile = isPath m || isString m;
      file = if fromFile then toString m else m._file or key;
      raw = if fromFile then import m else m;
      called = if isFunction raw then applyModuleArgs args raw else raw;
      module =
        if isAttrs called then called
        else throw "module ${file} evaluates to ${showValue called}, not to an attribute set or a function";
      full = module ? config || module ? options;
    in
    {
      inherit key;
      file = module._file or file;
      imports = module.imports or [ ];
      options = module.options or { };
      disabledModules = module.disabledModules or [ ];
      config =
        if full then module.config or { }
        else removeAttrs module [ "_file" "key" "disabledModules" "imports" "meta" "_class" "freeformType" ];
    };

  moduleKey = fallback: m:
    if isPath m || isString m then toString m
    else if isAttrs m && m ? key then toString m.key
    else fallback;

  collectModules = args: modules:
    let
      item = parentKey: i: m:
        let key = moduleKey "${parentKey}:anon-${toString i}" m; in
        { inherit key; module = unifyModule args key m; };
      closure = genericClosure {
        startSet = lib.imap0 (item "<modules>") modules;
        operator = x: lib.imap0 (item x.key) x.module.imports;
      };
      all = map (x: x.module) closure;
      disabled = map toString (concatMap (m: m.disabledModules) all);
    in
    filter (m: !(elem m.key disabled)) all;

  # --- merging -----------------------------------------------------------

  # Does a definition (below any mkIf/mkOverride/...) hold nested options?
  isNamespaceLike = v:
    let t = v._type or null; in
    if t == "if" || t == "override" || t == "order" then isNamespaceLike v.content
    else if t == "merge" then lib.any isNamespaceLike v.contents
    else isAttrs v && t == null && !(v ? outPath) && (v.type or null) != "derivation";

  # Move mkIf/mkMerge/mkOverride from an attribute set into its attributes, so
  # its attribute names are known without evaluating any condition.
  pushDownProperties = loc: file: v:
    let t = v._type or null; in
    if t == "merge" then concatMap (pushDownProperties loc file) v.contents
    else if t == "if" then map (mapAttrs (_: mkIf v.condition)) (pushDownProperties loc file v.content)
    else if t == "override" then map (mapAttrs (_: mkOverride v.priority)) (pushDownProperties loc file v.content)
    else if t == "order" then pushDownProperties loc file v.content
    else if isAttrs v && t == null then [ v ]
    else throw "The option `${showOption loc}' in ${file} is ${showValue v}, but other definitions make it an attribute set of options.";

  # Evaluate conditions and collect priorities: a list of
  # { value, priority, order } for one definition.
  dischargeProperties = prio: order: v:
    let t = v._type or null; in
    if t == "merge" then concatMap (dischargeProperties prio order) v.contents
    else if t == "if" then
      (if v.condition == true then dischargeProperties prio order v.content
       else if v.condition == false then [ ]
       else throw "mkIf called with a non-Boolean condition")
    else if t == "override" then dischargeProperties v.priority order v.content
    else if t == "order" then dischargeProperties prio v.priority v.content
    else [ { value = v; priority = prio; inherit order; } ];

  # Merge the definitions of one option with its type:
  # { isDefined, value, highestPrio }.
  mergeDefinitions = loc: type: defs:
    let
      discharged = concatMap
        (d: map (x: x // { inherit (d) file; }) (dischargeProperties defaultOverridePriority defaultOrderPriority d.value))
        defs;
      highestPrio = foldl' (m: d: lib.min m d.priority) 9999 discharged;
      winners = sort (a: b: a.order < b.order) (filter (d: d.priority == highestPrio) discharged);
      isDefined = winners != [ ];
    in
    {
      inherit isDefined highestPrio;
      value =
        if isDefined then type.merge loc (map (d: { inherit (d) file value; }) winners)
        else if defs == [ ] then throw "The option `${showOption loc}' is used but not defined."
        else throw "The option `${showOption loc}' is used but all its definitions are disabled (mkIf false); declare the enclosing attribute set with a type such as attrsOf to drop such entries.";
    };

  # Undeclared leaves: lists are concatenated, anything else must agree.
  freeformLeafType = {
    _type = "option-type";
    name = "freeform";
    check = _: true;
    merge = loc: defs:
      if lib.all (d: isList d.value) defs then concatMap (d: d.value) defs
      else lib.types.mergeEqualOption loc defs;
  };

  evalOptionValue = loc: decl: defs:
    let
      type = decl.type or lib.types.unspecified;
      withDefault = defs ++ lib.optional (decl ? default) {
        file = "the default of ${showOption loc}";
        value = mkOptionDefault decl.default;
      };
      value = (mergeDefinitions loc type withDefault).value;
    in
    if decl ? apply && decl.apply != null then decl.apply value else value;

  uniqueStrings = names: attrNames (listToAttrs (map (n: { name = n; value = null; }) names));

  mergeNode = loc: decl: defs:
    if isOption decl then evalOptionValue loc decl defs
    else if decl != null || lib.any (d: isNamespaceLike d.value) defs then mergeNamespace loc (if decl == null then { } else decl) defs
    else (mergeDefinitions loc freeformLeafType defs).value;

  mergeNamespace = loc: decl: defs:
    let
      pushed = concatMap
        (d: map (value: { inherit (d) file; inherit value; }) (pushDownProperties loc d.file d.value))
        defs;
      names = uniqueStrings (attrNames decl ++ concatMap (d: attrNames d.value) pushed);
      defsOf = name: concatMap (d: if d.value ? ${name} then [ { inherit (d) file; value = d.value.${name}; } ] else [ ]) pushed;
    in
    lib.genAttrs names (name: mergeNode (loc ++ [ name ]) (decl.${name} or null) (defsOf name));

  mergeOptionTrees = a: b:
    if isOption a then a
    else if isOption b then b
    else a // mapAttrs (n: v: if a ? ${n} then mergeOptionTrees a.${n} v else v) b;

  internalModule = {
    _file = "<module system>";
    key = "<module system>";
    options._module = {
      args = mkOption {
        type = lib.types.lazyAttrsOf lib.types.raw;
        default = { };
        description = "Arguments passed to every module.";
      };
      check = mkOption { type = lib.types.bool; default = true; };
    };
  };

  evalModules = { modules, specialArgs ? { }, prefix ? [ ], class ? null, ... }@evalArgs:
    let
      args = { inherit lib options config specialArgs; } // specialArgs;
      collected = collectModules args ([ internalModule ] ++ modules);
      options = foldl' mergeOptionTrees { } (map (m: m.options) collected);
      config = mergeNamespace prefix options (map (m: { inherit (m) file; value = m.config; }) collected);
    in
    {
      inherit options config class;
      _module = config._module;
      type = lib.types.submoduleWith { inherit modules specialArgs; };
      extendModules = { modules ? [ ], specialArgs ? { }, prefix ? evalArgs.prefix or [ ] }:
        evalModules (evalArgs // {
          modules = evalArgs.modules ++ modules;
          specialArgs = evalArgs.specialArgs or { } // specialArgs;
          inherit prefix;
        });
    };
in
{
  inherit
    mkIf mkMerge mkOverride mkOptionDefault mkDefault mkImageMediaOverride mkForce mkVMOverride
    mkOrder mkBefore mkAfter mkOption isOption mkEnableOption mkPackageOption showOption
    defaultOverridePriority defaultOrderPriority evalModules mergeDefinitions pushDownProperties
    dischargeProperties;
  modules = { inherit evalModules mkIf mkMerge mkOverride mkDefault mkForce mergeDefinitions; };
  options = { inherit mkOption mkEnableOption mkPackageOption showOption isOption; };
}
