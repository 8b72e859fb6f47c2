//! Names Nix knows without any binding: the attributes of `builtins` and the
//! subset of them that is also in scope as a global variable, plus small
//! helpers that read static names and literal strings off the syntax tree.

use crate::syntax::{SyntaxKind, SyntaxNode, SyntaxToken};

/// Every attribute of `builtins` nixfold knows (Nix 2.8 and later releases).
///
/// Sorted, so lookups are binary searches. Used to turn `builtins.NAME`,
/// `__NAME` and `with builtins; NAME` into a `&'static str`.
static BUILTIN_ATTRS: &[&str] = &[
    "abort",
    "add",
    "addDrvOutputDependencies",
    "addErrorContext",
    "all",
    "any",
    "appendContext",
    "attrNames",
    "attrValues",
    "baseNameOf",
    "bitAnd",
    "bitOr",
    "bitXor",
    "break",
    "builtins",
    "catAttrs",
    "ceil",
    "compareVersions",
    "concatLists",
    "concatMap",
    "concatStringsSep",
    "convertHash",
    "currentSystem",
    "currentTime",
    "deepSeq",
    "derivation",
    "derivationStrict",
    "dirOf",
    "div",
    "elem",
    "elemAt",
    "false",
    "fetchClosure",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fetchurl",
    "filter",
    "filterSource",
    "findFile",
    "flakeRefToString",
    "floor",
    "foldl'",
    "fromJSON",
    "fromTOML",
    "functionArgs",
    "genList",
    "genericClosure",
    "getAttr",
    "getContext",
    "getEnv",
    "getFlake",
    "groupBy",
    "hasAttr",
    "hasContext",
    "hashFile",
    "hashString",
    "head",
    "import",
    "intersectAttrs",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "langVersion",
    "length",
    "lessThan",
    "listToAttrs",
    "map",
    "mapAttrs",
    "match",
    "mul",
    "nixPath",
    "nixVersion",
    "null",
    "outputOf",
    "parseDrvName",
    "parseFlakeRef",
    "partition",
    "path",
    "pathExists",
    "placeholder",
    "readDir",
    "readFile",
    "readFileType",
    "removeAttrs",
    "replaceStrings",
    "scopedImport",
    "seq",
    "sort",
    "split",
    "splitVersion",
    "storeDir",
    "storePath",
    "stringLength",
    "sub",
    "substring",
    "tail",
    "throw",
    "toFile",
    "toJSON",
    "toPath",
    "toString",
    "toXML",
    "trace",
    "traceVerbose",
    "true",
    "tryEval",
    "typeOf",
    "unsafeDiscardOutputDependency",
    "unsafeDiscardStringContext",
    "unsafeGetAttrPos",
    "warn",
    "zipAttrsWith",
];

/// The `builtins` attribute called `name`, as a static string, if Nix has one.
pub fn builtin_attr(name: &str) -> Option<&'static str> {
    BUILTIN_ATTRS
        .binary_search(&name)
        .ok()
        .map(|i| BUILTIN_ATTRS[i])
}

/// What a free variable `name` denotes in Nix's base environment, if anything.
///
/// Returns the `builtins` attribute it stands for: `map` → `"map"`,
/// `__getEnv` → `"getEnv"`, `builtins` → `"builtins"` (the set itself),
/// `true`/`false`/`null` → themselves. These names are bound statically, so
/// they win over any enclosing `with` (Nix: `with { map = 1; }; map` is the
/// primop).
pub fn global_builtin(name: &str) -> Option<&'static str> {
    if let Some(rest) = name.strip_prefix("__") {
        // `__curPos` is syntax, not a builtin; every other `__x` is `builtins.x`.
        return builtin_attr(rest);
    }
    let global = matches!(
        name,
        "abort"
            | "baseNameOf"
            | "break"
            | "builtins"
            | "derivation"
            | "derivationStrict"
            | "dirOf"
            | "false"
            | "fetchGit"
            | "fetchMercurial"
            | "fetchTarball"
            | "fetchTree"
            | "fromTOML"
            | "import"
            | "isNull"
            | "map"
            | "null"
            | "placeholder"
            | "removeAttrs"
            | "scopedImport"
            | "throw"
            | "toString"
            | "true"
    );
    if global { builtin_attr(name) } else { None }
}

/// A static attribute name: borrowed from the identifier token when it is
/// one, owned when it came from a string.
#[derive(Debug, Clone)]
pub enum AttrName {
    Token(SyntaxToken),
    Owned(String),
}

impl std::ops::Deref for AttrName {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            AttrName::Token(t) => t.text(),
            AttrName::Owned(s) => s,
        }
    }
}

/// The name an attribute node (`NODE_IDENT`, `NODE_STRING`, `NODE_DYNAMIC`)
/// stands for when it is static: an identifier, a string without
/// interpolation, or `${"literal"}`.
pub fn static_attr_name(attr: &SyntaxNode) -> Option<AttrName> {
    match attr.kind() {
        SyntaxKind::NODE_IDENT => attr.first_token().map(AttrName::Token),
        SyntaxKind::NODE_STRING => literal_string(attr).map(AttrName::Owned),
        SyntaxKind::NODE_DYNAMIC => {
            let inner = attr.children().next()?;
            if inner.kind() == SyntaxKind::NODE_STRING {
                literal_string(&inner).map(AttrName::Owned)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether the attribute node is static and spells exactly `name`, without
/// allocating for the common identifier case.
pub fn attr_is(attr: &SyntaxNode, name: &str) -> bool {
    if attr.kind() == SyntaxKind::NODE_IDENT {
        return attr.first_token().is_some_and(|t| t.text() == name);
    }
    static_attr_name(attr).is_some_and(|n| &*n == name)
}

/// The value of a string node (`"..."` or `''...''`) without interpolation.
///
/// Returns `None` if any part is interpolated. `NODE_LITERAL` URIs
/// (`https://x`) count as strings too.
pub fn literal_string(node: &SyntaxNode) -> Option<String> {
    use crate::syntax::{AstNode, ast};
    match node.kind() {
        SyntaxKind::NODE_STRING => {
            let s = ast::Str::cast(node.clone())?;
            let mut out = String::new();
            for part in crate::syntax::str_parts(&s)? {
                match part {
                    ast::InterpolPart::Literal(t) => out.push_str(&t),
                    ast::InterpolPart::Interpolation(_) => return None,
                }
            }
            Some(out)
        }
        SyntaxKind::NODE_LITERAL => {
            let tok = node.first_token()?;
            (tok.kind() == SyntaxKind::TOKEN_URI).then(|| tok.text().to_string())
        }
        _ => None,
    }
}

/// The name a function expression ends in: `f` for `f`, `lib.f` and
/// `lib.attrsets.f` (parentheses skipped); `None` for anything else.
pub fn callee_name(func: &SyntaxNode) -> Option<AttrName> {
    let func = strip_parens(func);
    match func.kind() {
        SyntaxKind::NODE_IDENT => static_attr_name(&func),
        SyntaxKind::NODE_SELECT => {
            let path = func
                .children()
                .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)?;
            static_attr_name(&path.last_child()?)
        }
        _ => None,
    }
}

/// Skip any parentheses around an expression.
pub fn strip_parens(node: &SyntaxNode) -> SyntaxNode {
    let mut n = node.clone();
    while n.kind() == SyntaxKind::NODE_PAREN {
        match n.children().next() {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(BUILTIN_ATTRS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn globals() {
        assert_eq!(global_builtin("map"), Some("map"));
        assert_eq!(global_builtin("__getEnv"), Some("getEnv"));
        assert_eq!(global_builtin("getEnv"), None);
        assert_eq!(global_builtin("__nope"), None);
        assert_eq!(global_builtin("builtins"), Some("builtins"));
        assert_eq!(global_builtin("fetchurl"), None);
        assert_eq!(global_builtin("__currentSystem"), Some("currentSystem"));
    }

    #[test]
    fn globals_agree_with_nix() {
        // Every name Nix 2.8 puts in the global scope must be known here.
        let globals = [
            "abort",
            "baseNameOf",
            "builtins",
            "derivation",
            "derivationStrict",
            "dirOf",
            "false",
            "fetchGit",
            "fetchMercurial",
            "fetchTarball",
            "fetchTree",
            "fromTOML",
            "import",
            "isNull",
            "map",
            "null",
            "placeholder",
            "removeAttrs",
            "scopedImport",
            "throw",
            "toString",
            "true",
        ];
        for g in globals {
            assert_eq!(global_builtin(g), Some(g), "{g}");
        }
    }
}
