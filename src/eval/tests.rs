//! Unit tests of the evaluator against known Nix 2.8 output.

use super::*;

fn eval_strict(src: &str) -> Result<String, String> {
    let mut ev = Evaluator::new(EvalOptions::default());
    let v = ev
        .eval_expr_str(src, Path::new("/tmp"))
        .map_err(|e| e.message().to_string())?;
    ev.force_deep(&v).map_err(|e| e.message().to_string())?;
    Ok(print_value(&v, true))
}

#[track_caller]
fn check(src: &str, expected: &str) {
    assert_eq!(eval_strict(src).as_deref(), Ok(expected), "{src}");
}

#[track_caller]
fn fails(src: &str, msg_part: &str) {
    match eval_strict(src) {
        Ok(v) => panic!("{src} evaluated to {v}"),
        Err(m) => assert!(m.contains(msg_part), "{src}: {m}"),
    }
}

#[test]
fn basics() {
    check("1 + 2", "3");
    check("{ a = 1; b = [ 1 2 ]; }", "{ a = 1; b = [ 1 2 ]; }");
    check(
        "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 15",
        "610",
    );
    check("rec { a = 1; b = a + 1; }", "{ a = 1; b = 2; }");
    check(
        "let x = { a.b = 1; a.c = 2; }; in x",
        "{ a = { b = 1; c = 2; }; }",
    );
    check("with { a = 1; }; a", "1");
    check("let a = 2; in with { a = 1; }; a", "2");
    check(
        "({ a, b ? a + 1, ... }@args: [ a b args.c ]) { a = 1; c = 3; }",
        "[ 1 2 3 ]",
    );
    check("\"a${toString 1}b\"", "\"a1b\"");
    check("''\n  a\n    b\n  ''", "\"a\\n  b\\n\"");
    check("9223372036854775807 + 1", "-9223372036854775808");
    check("[ (1 / 2) (1.0 / 2) (7 / -2) ]", "[ 0 0.5 -3 ]");
    check(
        "let x = {a=1;}; y = [1]; in [x x y y [] [] {} {}]",
        "[ { a = 1; } «repeated» [ 1 ] «repeated» [ ] [ ] { } { } ]",
    );
}

#[test]
fn errors() {
    fails("1 / 0", "division by zero");
    fails("let x = x; in x", "infinite recursion");
    fails("{ a = 1; a = 2; }", "already defined");
    fails("({ a }: a) { a = 1; b = 1; }", "unexpected argument 'b'");
    fails("({ a }: a) { }", "without required argument 'a'");
    fails("undefinedVar", "undefined variable 'undefinedVar'");
    fails("assert 1 == 2; 1", "assertion");
    fails("throw \"boom\"", "boom");
}

fn symbolic(src: &str, unknowns: &[&str], unknown_env: bool) -> (Evaluator, Value) {
    let mut ev = Evaluator::new(EvalOptions {
        unknown_env,
        ..EvalOptions::default()
    });
    ev.bind_unknowns(unknowns);
    let v = ev.eval_expr_str(src, Path::new("/tmp")).expect("evaluates");
    (ev, v)
}

fn provenance(v: &Value) -> String {
    match v {
        Value::Unknown(u) => u.provenance(),
        other => panic!("expected an unknown, got {other:?}"),
    }
}

#[test]
fn unknown_select_apply_and_arith() {
    let (_, v) = symbolic("pkgs.kubectl", &["pkgs"], false);
    assert_eq!(provenance(&v), "pkgs.kubectl");
    let (_, v) = symbolic(
        "pkgs.stdenv.mkDerivation { name = \"x\"; }",
        &["pkgs"],
        false,
    );
    assert_eq!(provenance(&v), "pkgs.stdenv.mkDerivation(...)");
    let (_, v) = symbolic("pkgs.x + 1", &["pkgs"], false);
    assert_eq!(provenance(&v), "(pkgs.x + 1)");
    let (_, v) = symbolic("\"${pkgs.hello}/bin\"", &["pkgs"], false);
    assert_eq!(provenance(&v), "\"${pkgs.hello}\"");
    let (_, v) = symbolic("builtins.attrNames pkgs", &["pkgs"], false);
    assert_eq!(provenance(&v), "builtins.attrNames(pkgs)");
}

#[test]
fn with_unknown_scope_and_printing() {
    let (mut ev, v) = symbolic("with pkgs; [ kubectl git ]", &["pkgs"], false);
    ev.force_deep(&v).unwrap();
    assert_eq!(
        print_value(&v, true),
        "[ «unknown pkgs.kubectl» «unknown pkgs.git» ]"
    );
    // Lexical bindings still win over an unknown `with`.
    let (mut ev, v) = symbolic("let git = 1; in with pkgs; [ git ]", &["pkgs"], false);
    ev.force_deep(&v).unwrap();
    assert_eq!(print_value(&v, true), "[ 1 ]");
}

#[test]
fn if_on_unknown_keeps_both_branches() {
    let (mut ev, v) = symbolic(
        "if config.enable then { a = 1; } else { b = 2; }",
        &["config"],
        false,
    );
    let Value::Unknown(u) = &v else {
        panic!("unknown expected")
    };
    let (cond, t, e) = u.branches().expect("a conditional");
    assert_eq!(cond.provenance(), "config.enable");
    let (t, e) = (t.clone(), e.clone());
    ev.force_deep(&t).unwrap();
    ev.force_deep(&e).unwrap();
    assert_eq!(print_value(&t, true), "{ a = 1; }");
    assert_eq!(print_value(&e, true), "{ b = 2; }");
}

#[test]
fn comparisons_are_observed() {
    let src = r#"
      let v = builtins.getEnv "NIXOS_PACKAGES"; in
      if v == "full" then [ 1 ] else if "min" == v then [ 2 ]
      else if builtins.elem v [ "a" "b" ] then [ 3 ] else [ ]
    "#;
    let (mut ev, v) = symbolic(src, &[], true);
    let Value::Unknown(u) = &v else {
        panic!("unknown expected")
    };
    // Walk into the else branches so the nested comparisons run.
    let mut cur = u.clone();
    while let Some((_, _, e)) = cur.branches() {
        let e = ev.force(&e.clone()).unwrap();
        match e {
            Value::Unknown(next) => cur = next,
            _ => break,
        }
    }
    let obs: Vec<(String, &str, String)> = ev
        .observations()
        .iter()
        .map(|o| (o.subject.provenance(), o.op, print_value(&o.literal, false)))
        .collect();
    assert_eq!(
        obs,
        [
            (
                "env:NIXOS_PACKAGES".to_string(),
                "==",
                "\"full\"".to_string()
            ),
            (
                "env:NIXOS_PACKAGES".to_string(),
                "==",
                "\"min\"".to_string()
            ),
            (
                "env:NIXOS_PACKAGES".to_string(),
                "elem",
                "[ \"a\" \"b\" ]".to_string()
            ),
        ]
    );
    assert_eq!(
        ev.observations()[0].subject.root_name(),
        Some("env:NIXOS_PACKAGES")
    );
}

#[test]
fn env_override_beats_unknown_env() {
    let mut ev = Evaluator::new(EvalOptions {
        unknown_env: true,
        env: [("X".to_string(), "set".to_string())].into_iter().collect(),
        ..EvalOptions::default()
    });
    let v = ev
        .eval_expr_str(
            "[ (builtins.getEnv \"X\") (builtins.getEnv \"Y\") ]",
            Path::new("/"),
        )
        .unwrap();
    ev.force_deep(&v).unwrap();
    assert_eq!(print_value(&v, true), "[ \"set\" «unknown env:Y» ]");
}

#[test]
fn functions_called_with_unknown_formals() {
    let mut ev = Evaluator::new(EvalOptions::default());
    let f = ev
        .eval_expr_str(
            "{ pkgs, config, ... }: { environment.systemPackages = [ pkgs.vim ]; x = config.networking.hostName; }",
            Path::new("/"),
        )
        .unwrap();
    let v = ev.call_with_unknown_formals(&f).unwrap();
    let got = ev
        .select_attr_path(&v, "environment.systemPackages.0", &Attrs::new())
        .unwrap();
    assert_eq!(provenance(&got), "pkgs.vim");
    let got = ev.select_attr_path(&v, "x", &Attrs::new()).unwrap();
    assert_eq!(provenance(&got), "config.networking.hostName");
}

#[test]
fn unknown_errors_stay_errors() {
    // A known error is still reported when unknowns are around.
    let mut ev = Evaluator::new(EvalOptions::default());
    ev.bind_unknowns(&["pkgs"]);
    let r = ev.eval_expr_str("[ pkgs.a ] ++ (throw \"boom\")", Path::new("/"));
    assert_eq!(r.unwrap_err().message(), "boom");
}

fn eval_with(opts: EvalOptions, src: &str) -> Result<String, EvalError> {
    let mut ev = Evaluator::new(opts);
    let v = ev.eval_expr_str(src, Path::new("/tmp"))?;
    ev.force_deep(&v)?;
    Ok(print_value(&v, true))
}

#[test]
fn long_binding_chain() {
    let n = 20_000;
    let mut src = String::from("let a0 = 0;");
    for i in 1..n {
        src.push_str(&format!(" a{i} = a{} + 1;", i - 1));
    }
    src.push_str(&format!(" in a{}", n - 1));
    assert_eq!(eval_with(EvalOptions::default(), &src).unwrap(), "19999");
}

#[test]
fn deep_recursion_is_a_clean_error() {
    let e = eval_with(
        EvalOptions::default(),
        "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 10000000",
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Limit), "{e}");
    assert!(e.message().contains("stack overflow"));
    // A smaller limit is honoured.
    let e = eval_with(
        EvalOptions {
            max_depth: 1000,
            ..EvalOptions::default()
        },
        "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 5000",
    )
    .unwrap_err();
    assert!(e.message().contains("stack overflow"));
    assert_eq!(
        eval_with(
            EvalOptions::default(),
            "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 50000"
        )
        .unwrap(),
        "50000"
    );
}

#[test]
fn step_and_memory_budgets() {
    let e = eval_with(
        EvalOptions {
            max_steps: 100_000,
            ..EvalOptions::default()
        },
        "let f = x: f x; in f 1",
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Limit));
    assert!(e.message().contains("step budget"), "{e}");
    let e = eval_with(
        EvalOptions {
            max_memory: 10 << 20,
            ..EvalOptions::default()
        },
        "builtins.length (builtins.genList (x: x) 10000000)",
    )
    .unwrap_err();
    assert!(e.message().contains("memory budget"), "{e}");
    // Budget errors are not catchable by tryEval.
    let e = eval_with(
        EvalOptions {
            max_steps: 100_000,
            ..EvalOptions::default()
        },
        "builtins.tryEval (let f = x: f x; in f 1)",
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Limit));
}

#[test]
fn deep_values_print_compare_and_serialise() {
    let src = "let mk = n: if n == 0 then null else { next = mk (n - 1); }; in mk 100000";
    let out = eval_with(EvalOptions::default(), src).unwrap();
    assert!(out.starts_with("{ next = { next = "));
    let eq = "let mk = n: if n == 0 then null else [ (mk (n - 1)) ]; in mk 100000 == mk 100000";
    assert_eq!(eval_with(EvalOptions::default(), eq).unwrap(), "true");
    let json = "let mk = n: if n == 0 then null else [ (mk (n - 1)) ]; in builtins.stringLength (builtins.toJSON (mk 100000))";
    assert_eq!(eval_with(EvalOptions::default(), json).unwrap(), "200004");
}

#[test]
fn absurd_nesting_is_an_error() {
    let src = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = eval_with(EvalOptions::default(), &src).unwrap_err();
    assert!(e.message().contains("nested"), "{e}");
    // Long operator chains: a value, or the syntax layer's nesting error.
    let src = format!("1{}", " + 1".repeat(100_000));
    match eval_with(EvalOptions::default(), &src) {
        Ok(v) => assert_eq!(v, "100001"),
        Err(e) => assert!(matches!(e.kind(), ErrorKind::Parse), "{e}"),
    }
    let src = format!("1{} +", " + 1".repeat(100_000));
    let e = eval_with(EvalOptions::default(), &src).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Parse), "{e}");
}

#[test]
fn attribute_positions_of_literals() {
    check(
        "builtins.unsafeGetAttrPos \"x\" { a.x = 1; }.a",
        "{ column = 33; file = \"builtins.unsafeGetAttrPos \\\"x\\\" { a.x = 1; }.a\"; line = 1; }",
    );
    check(
        "builtins.unsafeGetAttrPos \"x\" ({ x = 1; } // { y = 2; })",
        "null",
    );
    check("builtins.unsafeGetAttrPos \"z\" { x = 1; }", "null");
}
