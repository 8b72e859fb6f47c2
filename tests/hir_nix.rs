//! Name resolution checked against real Nix.
//!
//! Nix's parser binds variables and rejects an unbound one with
//! `undefined variable 'x'`, so `nix-instantiate --parse` is an oracle for
//! [`Resolution::Undefined`]: a program parses exactly when nixfold finds no
//! undefined reference, and the variable Nix names is one nixfold found.
//! Checked on every fixture and example file and on generated programs that
//! mix let, rec, with, inherit, formals and `@` binds.

use std::path::{Path, PathBuf};
use std::process::Command;

use nixfold::hir::{Resolution, Scopes, builtin_attr, global_builtin};
use nixfold::syntax::parse;

/// `Ok(())` if Nix parses `src`, `Err(message)` otherwise.
fn nix_parse(src: &str) -> Result<(), String> {
    let out = Command::new("nix-instantiate")
        .args(["--parse", "-E", src])
        .output()
        .expect("nix-instantiate must be installed");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn undefined_names(src: &str) -> Option<Vec<String>> {
    let p = parse(src);
    if !p.errors.is_empty() {
        return None;
    }
    let s = Scopes::from_parsed(&p);
    Some(
        s.references()
            .iter()
            .filter(|r| r.resolution == Resolution::Undefined)
            // `inherit ${"x"};` / `inherit "x";` refer to `x`
            .map(|r| {
                src[r.range]
                    .trim_start_matches("${")
                    .trim_end_matches('}')
                    .trim_matches('"')
                    .to_string()
            })
            .collect(),
    )
}

/// Compare with Nix: `Some(true)` if both find an undefined variable,
/// `Some(false)` if neither does, `None` if Nix rejected the program for
/// another reason (then nothing is asserted).
fn agree(src: &str, what: &str) -> Option<bool> {
    let ours = undefined_names(src)?;
    match nix_parse(src) {
        Ok(()) => {
            assert!(
                ours.is_empty(),
                "{what}: Nix accepts it but nixfold finds undefined {ours:?}\n{src}"
            );
            Some(false)
        }
        Err(e) => {
            let rest = e.split("undefined variable '").nth(1)?;
            let name = rest.split('\'').next().unwrap();
            assert!(
                ours.iter().any(|n| n == name),
                "{what}: Nix says `{name}` is undefined, nixfold found {ours:?}\n{src}"
            );
            Some(true)
        }
    }
}

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            nix_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "nix") {
            out.push(p);
        }
    }
}

#[test]
fn fixtures_and_examples_agree_with_nix() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    nix_files(&root.join("tests/fixtures"), &mut files);
    nix_files(&root.join("examples"), &mut files);
    files.sort();
    let mut checked = 0;
    for f in files {
        let Ok(src) = std::fs::read_to_string(&f) else {
            continue;
        };
        if agree(&src, &f.display().to_string()).is_some() {
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} files checked");
}

/// A small deterministic generator of programs rich in scoping constructs.
struct Gen(u64);

const NAMES: &[&str] = &["a", "b", "c", "x", "map", "builtins", "__getEnv", "or"];

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn name(&mut self) -> &'static str {
        // "or" only as an attribute name, never as a variable
        NAMES[self.below(NAMES.len() as u64 - 1) as usize]
    }
    fn distinct_names(&mut self, max: u64) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Vec::new();
        for _ in 0..self.below(max + 1) {
            let n = NAMES[self.below(4) as usize];
            if !v.contains(&n) {
                v.push(n);
            }
        }
        v
    }
    fn binds(&mut self, depth: u32) -> String {
        let mut s = String::new();
        for n in self.distinct_names(3) {
            match self.below(7) {
                0 => s.push_str(&format!("inherit {n}; ")),
                1 => s.push_str(&format!("inherit ({}) {n}; ", self.expr(depth))),
                2 => s.push_str(&format!("{n}.{} = {}; ", self.name(), self.expr(depth))),
                3 => s.push_str(&format!("\"{n}\" = {}; ", self.expr(depth))),
                4 => s.push_str(&format!("${{\"{n}\"}} = {}; ", self.expr(depth))),
                5 => s.push_str(&format!("inherit ${{\"{n}\"}}; ")),
                _ => s.push_str(&format!("{n} = {}; ", self.expr(depth))),
            }
        }
        s
    }
    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 {
            return match self.below(3) {
                0 => "1".into(),
                _ => self.name().into(),
            };
        }
        let d = depth - 1;
        match self.below(11) {
            0 => format!("let {}in {}", self.binds(d), self.expr(d)),
            1 => format!("rec {{ {}}}", self.binds(d)),
            2 => format!("{{ {}}}", self.binds(d)),
            3 => format!("with {}; {}", self.expr(d), self.expr(d)),
            4 => format!("({}: {})", NAMES[self.below(4) as usize], self.expr(d)),
            5 => {
                let formals: Vec<String> = self
                    .distinct_names(3)
                    .into_iter()
                    .map(|n| {
                        if self.below(2) == 0 {
                            format!("{n} ? {}", self.expr(d))
                        } else {
                            n.to_string()
                        }
                    })
                    .collect();
                let at = if self.below(2) == 0 { "@x" } else { "" };
                let formals = formals.join(", ");
                format!("({{ {formals} }}{at}: {})", self.expr(d))
            }
            6 => format!("({}).{} or {}", self.expr(d), self.name(), self.expr(d)),
            7 => format!("[ {} {} ]", self.expr(d), self.expr(d)),
            8 => format!("({} ? {})", self.expr(d), self.name()),
            9 => format!("{{ ${{{}}} = {}; }}", self.expr(d), self.expr(d)),
            _ => format!("let {{ {}body = {}; }}", self.binds(d), self.expr(d)),
        }
    }
}

#[test]
fn generated_programs_agree_with_nix() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let (mut bound, mut unbound) = (0, 0);
    for i in 0..400 {
        let src = g.expr(4);
        match agree(&src, &format!("program #{i}")) {
            Some(true) => unbound += 1,
            Some(false) => bound += 1,
            None => {}
        }
    }
    // the generator must exercise both outcomes
    assert!(
        bound > 50 && unbound > 50,
        "{bound} bound, {unbound} unbound"
    );
}

#[test]
fn global_builtins_agree_with_nix() {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--json", "-E", "builtins.attrNames builtins"])
        .output()
        .expect("nix-instantiate must be installed");
    assert!(out.status.success());
    let names: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(names.len() > 50);
    for n in &names {
        assert!(
            builtin_attr(n).is_some(),
            "builtins.{n} is unknown to nixfold"
        );
        let prefixed = format!("__{n}");
        if n != "builtins" && !matches!(n.as_str(), "true" | "false" | "null") {
            assert_eq!(global_builtin(&prefixed), Some(n.as_str()), "{prefixed}");
        }
        let nix_global = nix_parse(n).is_ok();
        assert_eq!(
            global_builtin(n).is_some(),
            nix_global,
            "`{n}`: Nix says global = {nix_global}"
        );
    }
}

/// Programs whose value is a call with the argument "NIXFOLD_PROBE": nixfold
/// must see a `getEnv` call exactly when Nix (run with NIXFOLD_PROBE=yes)
/// returns "yes".
#[test]
fn getenv_resolution_agrees_with_nix() {
    let programs = [
        r#"builtins.getEnv "NIXFOLD_PROBE""#,
        r#"__getEnv "NIXFOLD_PROBE""#,
        r#"builtins."getEnv" "NIXFOLD_PROBE""#,
        r#"builtins.${"getEnv"} "NIXFOLD_PROBE""#,
        r#"(builtins.getEnv) "NIXFOLD_PROBE""#,
        r#"let env = builtins.getEnv; in env "NIXFOLD_PROBE""#,
        r#"let b = builtins; in b.getEnv "NIXFOLD_PROBE""#,
        r#"let inherit (builtins) getEnv; in getEnv "NIXFOLD_PROBE""#,
        r#"with builtins; getEnv "NIXFOLD_PROBE""#,
        r#"let a = builtins.getEnv; b = a; c = b; in c "NIXFOLD_PROBE""#,
        r#"let s = { inherit (builtins) getEnv; }; in s.getEnv "NIXFOLD_PROBE""#,
        r#"{ e = builtins.getEnv; }.e "NIXFOLD_PROBE""#,
        r#"rec { env = builtins.getEnv; x = env "NIXFOLD_PROBE"; }.x"#,
        r#"with builtins; with { }; getEnv "NIXFOLD_PROBE""#,
        r#"with { getEnv = x: "no"; }; with builtins; getEnv "NIXFOLD_PROBE""#,
        r#"let inherit (builtins) getEnv; in let inherit getEnv; in getEnv "NIXFOLD_PROBE""#,
        r#"let getEnv = x: "no"; in with builtins; getEnv "NIXFOLD_PROBE""#,
        r#"{ getEnv = x: "no"; }.getEnv "NIXFOLD_PROBE""#,
        r#"with { getEnv = x: "no"; }; getEnv "NIXFOLD_PROBE""#,
        r#"with builtins; with { getEnv = x: "no"; }; getEnv "NIXFOLD_PROBE""#,
        r#"({ getEnv ? builtins.getEnv }: getEnv "NIXFOLD_PROBE") { getEnv = x: "no"; }"#,
        r#"let e = builtins.getEnv; in let e = x: "no"; in e "NIXFOLD_PROBE""#,
        r#"let builtins = { getEnv = x: "no"; }; in builtins.getEnv "NIXFOLD_PROBE""#,
        r#"let __getEnv = x: "no"; in __getEnv "NIXFOLD_PROBE""#,
    ];
    for src in programs {
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "-E", src])
            .env("NIXFOLD_PROBE", "yes")
            .output()
            .expect("nix-instantiate must be installed");
        assert!(
            out.status.success(),
            "{src}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let nix_says = String::from_utf8_lossy(&out.stdout).trim() == "\"yes\"";
        let p = parse(src);
        let s = Scopes::from_parsed(&p);
        let root = p.syntax();
        let ours = s.builtin_uses().iter().any(|u| {
            u.name == "getEnv"
                && u.args(&root)
                    .first()
                    .is_some_and(|a| a.text() == "\"NIXFOLD_PROBE\"")
        });
        assert_eq!(ours, nix_says, "{src}");
    }
}
