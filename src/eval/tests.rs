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
