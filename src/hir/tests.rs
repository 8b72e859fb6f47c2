use super::*;
use crate::syntax::{Parsed, SyntaxKind, parse};

fn build(src: &str) -> (Parsed, Scopes) {
    let p = parse(src);
    let s = Scopes::from_parsed(&p);
    (p, s)
}

/// Resolution of the `n`-th reference (0-based) spelled `name`.
fn res(src: &str, name: &str, n: usize) -> Resolution {
    let (_, s) = build(src);
    s.references()
        .iter()
        .filter(|r| &src[r.range] == name)
        .nth(n)
        .unwrap_or_else(|| panic!("no reference #{n} to {name} in {src}"))
        .resolution
}

/// (name, kind) of the binding a reference resolves to.
fn local(src: &str, name: &str, n: usize) -> (String, BindingKind) {
    let (_, s) = build(src);
    match res(src, name, n) {
        Resolution::Local(b) => (s.name(b).to_string(), s.binding(b).kind),
        other => panic!("{name}#{n} in {src}: expected local, got {other:?}"),
    }
}

fn binder_text<'a>(src: &'a str, s: &Scopes, r: Resolution) -> &'a str {
    match r {
        Resolution::Local(b) => &src[s.binding(b).range],
        _ => panic!("not local: {r:?}"),
    }
}

#[test]
fn let_bindings_are_recursive() {
    let src = "let x = y; y = 1; in x + y";
    assert_eq!(local(src, "y", 0), ("y".into(), BindingKind::Let));
    assert_eq!(local(src, "x", 0), ("x".into(), BindingKind::Let));
    let (_, s) = build(src);
    assert_eq!(s.bindings().len(), 2);
    let (y, _) = s.bindings().find(|(b, _)| s.name(*b) == "y").unwrap();
    assert_eq!(s.uses(y).len(), 2);
    assert!(s.binding(y).expr.is_some());
}

#[test]
fn legacy_let() {
    let src = "let { a = 1; body = a; }";
    assert_eq!(local(src, "a", 0), ("a".into(), BindingKind::Let));
    let (_, s) = build(src);
    let (_, scope) = s.scopes().next().unwrap();
    assert_eq!(scope.kind, ScopeKind::LegacyLet);
}

#[test]
fn rec_and_plain_attrsets() {
    assert_eq!(
        local("rec { a = 1; b = a; }", "a", 0),
        ("a".into(), BindingKind::RecAttr)
    );
    assert_eq!(res("{ a = 1; b = a; }", "a", 0), Resolution::Undefined);
    // string keys bind in rec
    assert_eq!(
        local("rec { \"foo\" = 1; bar = foo; }", "foo", 0).1,
        BindingKind::RecAttr
    );
    // dynamic keys are evaluated inside the rec scope
    assert!(matches!(
        res("rec { b = 2; ${b} = 3; }", "b", 0),
        Resolution::Local(_)
    ));
}

#[test]
fn nested_attrpath_keys_bind_the_first_name() {
    let src = "rec { a.b = 1; a.c = 2; d = a; }";
    let (_, s) = build(src);
    let Resolution::Local(a) = res(src, "a", 0) else {
        panic!()
    };
    assert_eq!(s.name(a), "a");
    assert_eq!(
        s.binding(a).expr,
        None,
        "merged definitions have no single expr"
    );
    assert_eq!(s.defs(a).count(), 2);
    assert_eq!(s.bindings().len(), 2); // a, d
    let src = "let a.b = 1; in a";
    assert_eq!(local(src, "a", 0), ("a".into(), BindingKind::Let));
}

#[test]
fn with_scopes() {
    let src = "with pkgs; hello";
    assert_eq!(res(src, "pkgs", 0), Resolution::Undefined);
    assert!(matches!(res(src, "hello", 0), Resolution::With(_)));
    // lexical bindings win over with, even an inner with
    assert_eq!(
        local("let hello = 1; in with pkgs; hello", "hello", 0).1,
        BindingKind::Let
    );
    let src = "with a; with b; x";
    let (_, s) = build(src);
    let Resolution::With(w) = res(src, "x", 0) else {
        panic!()
    };
    assert_eq!(s.with_chain(w).count(), 2);
    let ns = s.with_scope(w).namespace.unwrap();
    assert_eq!(&src[ns.text_range()], "b");
    // the namespace of the inner with is under the outer with
    assert!(matches!(res(src, "b", 0), Resolution::With(_)));
    assert_eq!(res(src, "a", 0), Resolution::Undefined);
}

#[test]
fn builtins_are_static_and_win_over_with() {
    assert_eq!(res("map", "map", 0), Resolution::Builtin("map"));
    assert_eq!(
        res("toString 1", "toString", 0),
        Resolution::Builtin("toString")
    );
    assert_eq!(
        res("__getEnv", "__getEnv", 0),
        Resolution::Builtin("getEnv")
    );
    assert_eq!(res("true", "true", 0), Resolution::Builtin("true"));
    assert_eq!(
        res("builtins", "builtins", 0),
        Resolution::Builtin("builtins")
    );
    assert_eq!(
        res("import ./x.nix", "import", 0),
        Resolution::Builtin("import")
    );
    // Nix: `with { map = 1; }; map` is the primop.
    assert_eq!(
        res("with { map = 1; }; map", "map", 0),
        Resolution::Builtin("map")
    );
    assert_eq!(res("getEnv", "getEnv", 0), Resolution::Undefined);
    assert_eq!(res("__nope", "__nope", 0), Resolution::Undefined);
    assert!(matches!(
        res("with builtins; getEnv", "getEnv", 0),
        Resolution::With(_)
    ));
    assert_eq!(local("let map = 1; in map", "map", 0).1, BindingKind::Let);
}

#[test]
fn inherit_refers_to_the_enclosing_scope() {
    let src = "let x = 1; in let inherit x; in x";
    let (_, s) = build(src);
    // the inherit's `x` is a reference to the outer binding ...
    let r0 = res(src, "x", 0);
    assert_eq!(binder_text(src, &s, r0), "x");
    let Resolution::Local(outer) = r0 else {
        panic!()
    };
    assert_eq!(s.binding(outer).kind, BindingKind::Let);
    // ... and the body's `x` is the inherited binding
    let Resolution::Local(inner) = res(src, "x", 1) else {
        panic!()
    };
    assert_eq!(s.binding(inner).kind, BindingKind::Inherit);
    assert_ne!(inner, outer);
    assert!(s.is_used(outer));
    // rec: inherit x does not see the rec's own x
    assert_eq!(
        res("rec { inherit x; y = x; }", "x", 0),
        Resolution::Undefined
    );
    assert_eq!(
        local("rec { inherit x; y = x; }", "x", 1).1,
        BindingKind::Inherit
    );
    // plain attrset: a reference, no binding
    let (_, s) = build("let x = 1; in { inherit x; }");
    assert_eq!(s.bindings().len(), 1);
    assert!(matches!(
        res("let x = 1; in { inherit x; }", "x", 0),
        Resolution::Local(_)
    ));
}

#[test]
fn inherit_from() {
    // `inherit (b) x` evaluates `b` in the let's own scope.
    let src = "let inherit (b) x; b = { x = 1; }; in x";
    let (_, s) = build(src);
    assert_eq!(local(src, "b", 0).1, BindingKind::Let);
    let Resolution::Local(x) = res(src, "x", 0) else {
        panic!()
    };
    assert_eq!(s.binding(x).kind, BindingKind::InheritFrom);
    assert_eq!(&src[s.binding(x).expr.unwrap().text_range()], "b");
    // non-rec attrset: the names are attributes, not references
    let (_, s) = build("{ inherit (a) x y; }");
    assert_eq!(s.references().len(), 1);
    assert_eq!(s.bindings().len(), 0);
}

#[test]
fn lambdas_formals_and_at_binds() {
    assert_eq!(local("x: x", "x", 0).1, BindingKind::LambdaArg);
    let src = "{ a, b ? a, ... }@args: [ b args ]";
    assert_eq!(local(src, "a", 0).1, BindingKind::Formal);
    assert_eq!(local(src, "b", 0).1, BindingKind::Formal);
    assert_eq!(local(src, "args", 0).1, BindingKind::PatBind);
    // defaults see later formals and the @ name
    let src = "args@{ a ? b, b ? args.x }: a";
    assert_eq!(local(src, "b", 0).1, BindingKind::Formal);
    assert_eq!(local(src, "args", 0).1, BindingKind::PatBind);
    let (_, s) = build(src);
    let Resolution::Local(a) = res(src, "a", 0) else {
        panic!()
    };
    assert_eq!(&src[s.binding(a).expr.unwrap().text_range()], "b");
    // arguments shadow outer names
    let src = "let x = 1; in x: x";
    assert_eq!(local(src, "x", 0).1, BindingKind::LambdaArg);
}

#[test]
fn attribute_names_are_not_references() {
    let (_, s) = build("{ a = 1; }.a");
    assert!(s.references().is_empty());
    let (_, s) = build("x ? a.b");
    assert_eq!(s.references().len(), 1);
    let src = "{ ${k} = 1; \"${v}\" = 2; }.${w}";
    let (_, s) = build(src);
    let names: Vec<&str> = s.references().iter().map(|r| &src[r.range]).collect();
    assert_eq!(names, ["k", "v", "w"]);
    let src = "x.y or z";
    let (_, s) = build(src);
    let names: Vec<&str> = s.references().iter().map(|r| &src[r.range]).collect();
    assert_eq!(names, ["x", "z"]);
}

#[test]
fn usage_queries() {
    let src = "let a = 1; b = 2; f = x: f x; in a";
    let (_, s) = build(src);
    let by = |n: &str| s.bindings().find(|(b, _)| s.name(*b) == n).unwrap().0;
    assert!(s.is_used(by("a")));
    assert!(!s.is_used(by("b")));
    assert!(s.is_used(by("f")));
    assert!(!s.is_used_outside_def(by("f")));
    assert!(s.is_used_outside_def(by("a")));
    assert!(s.is_used(by("x")));
    let (_, s) = build("x: y: y");
    let x = s.bindings().find(|(b, _)| s.name(*b) == "x").unwrap().0;
    assert!(!s.is_used(x));
    // binding_at finds a binding from its binder
    let src = "let abc = 1; in abc";
    let (_, s) = build(src);
    let b = s.binding_at(4.into()).unwrap();
    assert_eq!(s.name(b), "abc");
    assert_eq!(s.binding_at(0.into()), None);
    let scope = s.binding(b).scope;
    assert_eq!(s.scope_bindings(scope).collect::<Vec<_>>(), vec![b]);
    assert_eq!(s.scope(scope).kind, ScopeKind::LetIn);
}

#[test]
fn references_are_sorted_and_resolvable_by_node() {
    let src = "let a = 1; inherit (a) b; in rec { inherit a; c = b; d = c; }";
    let (p, s) = build(src);
    assert!(s.references().is_sorted_by_key(|r| r.range.start()));
    let idents: Vec<_> = p
        .syntax()
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_IDENT)
        .collect();
    let resolved = idents.iter().filter(|n| s.resolve(n).is_some()).count();
    assert_eq!(resolved, s.references().len());
}

#[test]
fn broken_and_deep_input_does_not_panic() {
    for src in [
        "let",
        "let a = ; in",
        "{ a, a }: a",
        "x@y@{ }: x",
        "rec { inherit; }",
        "let inherit (); in x",
        "with ; x",
        "{ ${} = 1; }",
        "a: ",
        "let { }",
        "let a.${b} = 1; in a",
        "{ x ? }: x",
    ] {
        let (_, s) = build(src);
        let _ = s.builtin_uses();
    }
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    let (_, s) = build(&deep);
    let _ = s.builtin_uses();
    // deep but accepted by the parser
    let mut src = String::new();
    for i in 0..400 {
        src.push_str(&format!("let v{i} = {i}; in "));
    }
    src.push_str("v0");
    let (p, s) = build(&src);
    assert!(p.errors.is_empty(), "{:?}", p.errors.first());
    assert_eq!(s.bindings().len(), 400);
}

// ---- builtin resolver ----

/// (name, kind, aliased, text of expr, arg texts) of every builtin use except `filter`.
fn uses(src: &str) -> Vec<(String, UseKind, bool, String, Vec<String>)> {
    let (p, s) = build(src);
    let root = p.syntax();
    s.builtin_uses()
        .iter()
        .map(|u| {
            (
                u.name.to_string(),
                u.kind,
                u.aliased,
                src[u.expr.text_range()].to_string(),
                u.args(&root).iter().map(|a| a.text().to_string()).collect(),
            )
        })
        .collect()
}

fn getenv_calls(src: &str) -> Vec<String> {
    uses(src)
        .into_iter()
        .filter(|u| u.0 == "getEnv" && u.1 == UseKind::Call)
        .map(|u| u.3)
        .collect()
}

#[test]
fn direct_spellings() {
    for src in [
        "builtins.getEnv \"X\"",
        "builtins.\"getEnv\" \"X\"",
        "builtins.${\"getEnv\"} \"X\"",
        "__getEnv \"X\"",
        "(builtins.getEnv) \"X\"",
        "((builtins).getEnv) \"X\"",
        "with builtins; getEnv \"X\"",
        "let b = builtins; in b.getEnv \"X\"",
    ] {
        let u = uses(src);
        let getenv: Vec<_> = u.iter().filter(|u| u.0 == "getEnv").collect();
        assert_eq!(getenv.len(), 1, "{src}: {u:?}");
        assert_eq!(getenv[0].1, UseKind::Call, "{src}");
        assert!(!getenv[0].2, "{src}: named directly");
        assert_eq!(getenv[0].4, ["\"X\""], "{src}");
    }
}

#[test]
fn aliases() {
    let u = uses("let env = builtins.getEnv; in env \"X\"");
    assert_eq!(u.len(), 2, "{u:?}");
    assert_eq!(
        (u[0].1, u[0].2, u[0].3.as_str()),
        (UseKind::Alias, false, "builtins.getEnv")
    );
    assert_eq!(
        (u[1].1, u[1].2, u[1].3.as_str()),
        (UseKind::Call, true, "env")
    );

    let u = uses("let inherit (builtins) getEnv; in getEnv \"X\"");
    assert_eq!(u.len(), 2, "{u:?}");
    assert_eq!(
        (u[0].1, u[0].2, u[0].3.as_str()),
        (UseKind::Alias, false, "getEnv")
    );
    assert_eq!((u[1].1, u[1].2), (UseKind::Call, true));

    assert_eq!(
        getenv_calls("let a = builtins.getEnv; b = a; c = b; in c \"X\""),
        ["c"]
    );
    assert_eq!(
        getenv_calls("let b = builtins; c = b; in c.getEnv \"X\""),
        ["c.getEnv"]
    );
    assert_eq!(
        getenv_calls("let s = { inherit (builtins) getEnv; }; in s.getEnv \"X\""),
        ["s.getEnv"]
    );
    assert_eq!(
        getenv_calls("{ e = builtins.getEnv; }.e \"X\""),
        ["{ e = builtins.getEnv; }.e"]
    );
    assert_eq!(
        getenv_calls("let inherit (builtins) getEnv; in let inherit getEnv; in getEnv \"X\""),
        ["getEnv"]
    );
    assert_eq!(
        getenv_calls("rec { env = builtins.getEnv; x = env \"A\"; }"),
        ["env"]
    );
    assert_eq!(
        getenv_calls("with builtins; with { }; getEnv \"X\""),
        ["getEnv"]
    );
    assert_eq!(
        getenv_calls("with { getEnv = 1; }; with builtins; getEnv \"X\""),
        ["getEnv"]
    );
}

#[test]
fn must_not_resolve() {
    for src in [
        "let getEnv = x: x; in with builtins; getEnv \"A\"",
        "{ getEnv = x: x; }.getEnv \"A\"",
        "with pkgs; getEnv \"X\"",
        "with builtins; with pkgs; getEnv \"X\"",
        "{ getEnv }: getEnv \"X\"",
        "getEnv: getEnv \"X\"",
        "getEnv \"X\"",
        "lib.getEnv \"X\"",
        "let a = b; b = a; in a \"X\"",
        "let b = builtins; in b.getEnv.x \"X\"",
        "with { getEnv = x: x; }; getEnv \"X\"",
        "let e = builtins.getEnv; in let e = x: x; in e \"X\"",
        "builtins.getEnvironment \"X\"",
    ] {
        assert!(getenv_calls(src).is_empty(), "{src}: {:?}", uses(src));
    }
}

#[test]
fn builtin_ref_on_nodes() {
    let src = "let env = builtins.getEnv; in env";
    let (p, s) = build(src);
    let root = p.syntax();
    let body = root.last_child().unwrap().last_child().unwrap();
    assert_eq!(body.text(), "env");
    assert_eq!(builtin_ref(&s, &body).unwrap().name, "getEnv");
    let b = root.descendants().find(|n| n.text() == "builtins").unwrap();
    assert_eq!(builtin_ref(&s, &b).unwrap().name, "builtins");
    assert_eq!(builtin_ref(&s, &root).map(|b| b.name), None);
}

#[test]
fn values_passed_and_calls_with_args() {
    let u = uses("map builtins.getEnv [ \"A\" ]");
    let getenv: Vec<_> = u.iter().filter(|u| u.0 == "getEnv").collect();
    assert_eq!(getenv.len(), 1);
    assert_eq!(getenv[0].1, UseKind::Reference);
    let map: Vec<_> = u.iter().filter(|u| u.0 == "map").collect();
    assert_eq!(map[0].1, UseKind::Call);
    assert_eq!(map[0].4, ["builtins.getEnv", "[ \"A\" ]"]);

    let u = uses("(builtins.getEnv \"A\")");
    assert_eq!(u[0].4, ["\"A\""]);
    let u = uses("{ env = builtins.getEnv; }");
    assert_eq!(u[0].1, UseKind::Reference);
    let u = uses("let inherit (builtins) getEnv; in { inherit getEnv; }");
    assert_eq!(u.len(), 2);
    assert_eq!((u[1].1, u[1].2), (UseKind::Reference, true));
    let u = uses("{ inherit (builtins) currentSystem; }");
    assert_eq!(u.len(), 1);
    assert_eq!(
        (u[0].0.as_str(), u[0].1, u[0].2),
        ("currentSystem", UseKind::Reference, false)
    );
    // the `or` default does not hide the builtin
    let u = uses("builtins.currentSystem or \"x86_64-linux\"");
    assert_eq!(u[0].0, "currentSystem");
    // outermost application
    let (p, s) = build("builtins.fetchurl { url = \"u\"; } // { }");
    let root = p.syntax();
    let u = s.builtin_uses()[0];
    assert_eq!(
        u.outermost(&root).unwrap().text(),
        "builtins.fetchurl { url = \"u\"; }"
    );
    assert_eq!(find_builtin_uses(&s, "fetchurl").count(), 1);
    assert_eq!(find_builtin_uses(&s, "getEnv").count(), 0);
}

#[test]
fn presence_guards() {
    let guarded = |src: &str| -> Vec<bool> {
        let (p, s) = build(src);
        let root = p.syntax();
        s.builtin_uses()
            .iter()
            .filter(|u| u.name == "currentSystem")
            .map(|u| is_presence_guarded(&s, &u.expr.to_node(&root), "currentSystem"))
            .collect()
    };
    assert_eq!(
        guarded("if builtins ? currentSystem then builtins.currentSystem else \"x\""),
        [true]
    );
    assert_eq!(
        guarded("builtins.currentSystem or \"x86_64-linux\""),
        [true]
    );
    assert_eq!(
        guarded("if !(builtins ? currentSystem) then \"x\" else { s = builtins.currentSystem; }"),
        [true]
    );
    assert_eq!(
        guarded(
            "let b = builtins; in if b ? currentSystem && true then [ b.currentSystem ] else [ ]"
        ),
        [true]
    );
    assert_eq!(
        guarded("builtins ? currentSystem && builtins.currentSystem == \"x\""),
        [true]
    );
    assert_eq!(
        guarded("if !(builtins ? currentSystem) || false then \"x\" else __currentSystem"),
        [true]
    );
    // not guards
    assert_eq!(guarded("builtins.currentSystem"), [false]);
    assert_eq!(
        guarded("if builtins ? currentSystem then \"x\" else builtins.currentSystem"),
        [false]
    );
    assert_eq!(
        guarded("if builtins ? currentTime then builtins.currentSystem else \"x\""),
        [false]
    );
    assert_eq!(
        guarded("if pkgs ? currentSystem then builtins.currentSystem else \"x\""),
        [false]
    );
    assert_eq!(
        guarded("if builtins ? currentSystem || true then builtins.currentSystem else \"x\""),
        [false]
    );
    // a function built in the guarded branch only exists when the guard held
    assert_eq!(
        guarded("if builtins ? currentSystem then (x: builtins.currentSystem) else null"),
        [true]
    );
}

#[test]
fn string_and_literal_dynamic_keys_bind() {
    // Nix treats `${"a"}` and `"a"` as static names, `''a''` inside `${}` not.
    assert_eq!(local("let ${\"a\"} = 1; in a", "a", 0).1, BindingKind::Let);
    assert_eq!(local("let \"a\" = 1; in a", "a", 0).1, BindingKind::Let);
    assert_eq!(
        local("rec { ${\"a\"} = 1; b = a; }", "a", 0).1,
        BindingKind::RecAttr
    );
    assert_eq!(
        res("rec { ${''a''} = 1; b = a; }", "a", 0),
        Resolution::Undefined
    );
    // `inherit ${"a"};` refers to `a`
    let src = "let a = 1; in { inherit ${\"a\"}; }";
    let (_, s) = build(src);
    assert!(matches!(s.references()[0].resolution, Resolution::Local(_)));
    assert_eq!(
        res("{ inherit ${\"zz\"}; }", "${\"zz\"}", 0),
        Resolution::Undefined
    );
}
