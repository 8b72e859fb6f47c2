//! nixpkgs lib where symbolic evaluation would leave it unknown: the
//! embedded prelude (src/eval/prelude/lib.nix) by default, the real lib of a
//! nixpkgs locked in flake.lock when its source is in the local store.

use std::path::{Path, PathBuf};
use std::process::Command;

use nixfold::analysis::variants::evalout::evaluated_outputs;
use nixfold::eval::{EvalOptions, Evaluator, LibConfig, Unknown, UnknownKind, Value, print_value};
use nixfold::project::Project;

fn evaluator(lib: Option<LibConfig>) -> Evaluator {
    Evaluator::new(EvalOptions {
        read_process_env: false,
        unknown_env: true,
        nix_path: Some(Vec::new()),
        max_steps: 20_000_000,
        lib,
        ..EvalOptions::default()
    })
}

/// Evaluate `src` with `pkgs`, `nixpkgs`, `inputs`, `home-manager` unknown
/// and print it strictly (unknowns as `«unknown …»`).
fn show(ev: &mut Evaluator, src: &str) -> String {
    ev.bind_unknowns(&["pkgs", "nixpkgs", "inputs", "home-manager", "config"]);
    let v = ev
        .eval_expr_str(src, Path::new("/"))
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    let v = ev.call_with_unknown_formals(&v).unwrap();
    ev.force_deep(&v).unwrap_or_else(|e| panic!("{src}: {e}"));
    print_value(&v, true)
}

#[test]
fn lib_stays_unknown_without_the_option() {
    let mut ev = evaluator(None);
    assert_eq!(
        show(&mut ev, "{ lib, ... }: [ lib.optional pkgs.lib ]"),
        "[ «unknown lib.optional» «unknown pkgs.lib» ]"
    );
    assert!(ev.default_lib().is_none());
}

#[test]
fn where_lib_comes_from() {
    let mut ev = evaluator(Some(LibConfig::prelude()));
    let cases = [
        // A formal the evaluator fills.
        ("{ lib, ... }: lib.optionals true [ 1 ]", "[ 1 ]"),
        ("pkgs.lib.optional true 2", "[ 2 ]"),
        ("nixpkgs.lib.optional true 3", "[ 3 ]"),
        ("inputs.nixpkgs.lib.optional true 4", "[ 4 ]"),
        (
            "nixpkgs.legacyPackages.x86_64-linux.lib.optionalString true \"s\"",
            "\"s\"",
        ),
        ("(import nixpkgs { system = \"x\"; }).lib.toList 5", "[ 5 ]"),
        // A function called with an unknown argument set.
        ("({ lib, x }: lib.singleton x) pkgs", "[ «unknown pkgs.x» ]"),
        // Not lib: package outputs, other inputs.
        ("pkgs.openssl.lib", "«unknown pkgs.openssl.lib»"),
        (
            "home-manager.lib.hm.dag",
            "«unknown home-manager.lib.hm.dag»",
        ),
        ("inputs.utils.lib", "«unknown inputs.utils.lib»"),
        // What the prelude lacks is unknown, not an error.
        (
            "pkgs.lib.fileset.toSource",
            "«unknown lib.fileset.toSource»",
        ),
        ("pkgs.lib.types.ints.u64", "«unknown lib.types.ints.u64»"),
        (
            "with pkgs.lib; [ (optional true 1) unionOfDisjoint ]",
            "[ [ 1 ] «unknown lib.unionOfDisjoint» ]",
        ),
        ("pkgs.lib.noSuchThing or 7", "7"),
        (
            "nixpkgs.lib.nixosSystem { }",
            "«unknown lib.nixosSystem(...)»",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(show(&mut ev, src), want, "{src}");
    }
    assert_eq!(ev.lib_description(), Some("nixfold's lib prelude"));
}

#[test]
fn lib_is_built_once_per_evaluator() {
    let mut ev = evaluator(Some(LibConfig::prelude()));
    let a = ev.default_lib().unwrap();
    let b = ev.default_lib().unwrap();
    assert!(a.ptr_eq(&b));
    let before = ev.steps();
    let _ = ev.default_lib();
    assert_eq!(ev.steps(), before);
}

#[test]
fn comparisons_through_lib_are_still_observed() {
    let mut ev = evaluator(Some(LibConfig::prelude()));
    let out = show(
        &mut ev,
        r#"{ lib, pkgs, ... }: {
  a = lib.mkIf (builtins.getEnv "X" == "a") { enable = true; };
  b = lib.optionals (builtins.getEnv "Y" != "") [ pkgs.hello ];
  c = lib.optionalString (lib.elem (builtins.getEnv "Z") [ "p" "q" ]) "z";
}"#,
    );
    assert!(
        out.contains(r#"a = { _type = "if"; condition = «unknown (env:X == "a")»; content = { enable = true; }; };"#),
        "{out}"
    );
    let mut seen: Vec<String> = ev
        .observations()
        .iter()
        .map(|o| {
            format!(
                "{} {} {}",
                o.subject.provenance(),
                o.op,
                print_value(&o.literal, true)
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            "env:X == \"a\"",
            "env:Y != \"\"",
            "env:Z elem [ \"p\" \"q\" ]"
        ]
    );
    // Each observation points into the user's expression, not the prelude.
    for o in ev.observations() {
        assert_eq!(ev.file_info(o.span.file).unwrap().name, "«string»");
    }
}

/// Every prelude function applied to unknowns gives a value, an unknown or
/// an error — never a panic or a hang.
#[test]
fn prelude_functions_on_unknowns_are_graceful() {
    let mut ev = evaluator(Some(LibConfig::prelude()));
    let Value::Attrs(lib) = ev.default_lib().unwrap() else {
        panic!("lib is a set");
    };
    let mut namespaces = vec![(String::new(), lib.clone())];
    for (k, v) in lib.iter() {
        if let Ok(Value::Attrs(a)) = ev.force(v)
            && k.as_str() != "systems"
        {
            namespaces.push((format!("{}.", k.as_str()), a));
        }
    }
    let mut applied = 0;
    for (prefix, set) in namespaces {
        for (k, v) in set.iter() {
            let Ok(f) = ev.force(v) else { continue };
            if !f.is_function() {
                continue;
            }
            let name = format!("{prefix}{}", k.as_str());
            let mut cur = f;
            for i in 0..3 {
                let arg = Unknown::value(format!("arg{i}"));
                match ev.call(&cur, arg, nixfold::eval::Span::NONE) {
                    Ok(r) => match ev.force(&r) {
                        Ok(r) => {
                            // Forcing the whole result may fail; it must not panic.
                            let _ = ev.force_deep(&r);
                            cur = r;
                        }
                        Err(_) => break,
                    },
                    Err(_) => break,
                }
                if !cur.is_function() {
                    break;
                }
            }
            applied += 1;
            assert!(ev.steps() < 20_000_000, "{name} ran away");
        }
    }
    assert!(applied > 150, "only {applied} functions");
}

#[test]
fn eval_command_has_no_implicit_lib() {
    let bin = env!("CARGO_BIN_EXE_nixfold");
    let out = Command::new(bin)
        .args(["eval", "-E", "lib.optionals true [ 1 ]"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("undefined variable 'lib'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args([
            "eval",
            "--lib",
            "--strict",
            "-E",
            "lib.optionals true [ 1 ]",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[ 1 ]\n");
    // A top-level `{ lib, ... }:` is called with it too.
    std::fs::write(
        dir.path().join("m.nix"),
        "{ lib, ... }: lib.concatStringsSep \",\" [ \"a\" \"b\" ]",
    )
    .unwrap();
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["eval", "--lib", "m.nix"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"a,b\"\n");
}

// ---------------------------------------------------------------- real lib

/// Whether this test may add paths to the local store.
fn store_writable() -> bool {
    let probe = Path::new("/nix/store").join(format!(".nixfold-probe-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Command::new("nix-store").arg("--version").output().is_ok()
        }
        Err(_) => false,
    }
}

/// Put a fake nixpkgs tree (`source/lib/default.nix` = `lib`) into the
/// store with real Nix; returns its narHash (SRI) and store path.
fn add_fake_nixpkgs(tmp: &Path, lib: &str) -> (String, PathBuf) {
    let src = tmp.join("source");
    std::fs::create_dir_all(src.join("lib")).unwrap();
    std::fs::write(src.join("lib/default.nix"), lib).unwrap();
    std::fs::write(src.join(".version"), "v99").unwrap();
    let hash = nixfold::nixhash::nar::nar_hash(&src, nixfold::nixhash::HashAlgo::Sha256)
        .unwrap()
        .to_sri();
    let out = Command::new("nix-store")
        .arg("--add")
        .arg(&src)
        .output()
        .expect("nix-store runs");
    assert!(
        out.status.success(),
        "nix-store --add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    // nixfold computes the same store path from the narHash.
    let computed = nixfold::nixhash::flake_source_path(&hash)
        .unwrap()
        .to_absolute();
    assert_eq!(added, PathBuf::from(computed));
    (hash, added)
}

fn write_flake(dir: &Path, hash: &str, flake: &str) {
    std::fs::write(dir.join("flake.nix"), flake).unwrap();
    std::fs::write(
        dir.join("flake.lock"),
        format!(
            r#"{{
  "nodes": {{
    "nixpkgs": {{
      "locked": {{ "lastModified": 1, "narHash": "{hash}", "owner": "NixOS", "repo": "nixpkgs", "rev": "0000000000000000000000000000000000000000", "type": "github" }},
      "original": {{ "owner": "NixOS", "repo": "nixpkgs", "type": "github" }}
    }},
    "root": {{ "inputs": {{ "nixpkgs": "nixpkgs" }} }}
  }},
  "root": "root",
  "version": 7
}}
"#
        ),
    )
    .unwrap();
}

const FAKE_LIB: &str = r#"
# A nixpkgs lib only this test has: `hostNames` and a version read from
# the tree above lib/.
let version = builtins.readFile ../.version; in
{
  hostNames = n: [ "real-${n}-${version}" ];
  genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
  optional = c: x: if c then [ x ] else [ ];
}
"#;

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }: {
    nixosConfigurations = nixpkgs.lib.genAttrs (nixpkgs.lib.hostNames "a")
      (h: nixpkgs.lib.nixosSystem { modules = [ ]; });
  };
}
"#;

#[test]
fn real_lib_from_the_store_is_used() {
    if !store_writable() {
        eprintln!("SKIPPED real_lib_from_the_store_is_used: /nix/store is not writable here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (hash, added) = add_fake_nixpkgs(tmp.path(), FAKE_LIB);
    let project_dir = tmp.path().join("project");
    std::fs::create_dir_all(&project_dir).unwrap();
    write_flake(&project_dir, &hash, FLAKE);

    let cfg = LibConfig::for_project(&project_dir);
    assert_eq!(cfg.nixpkgs_lib, Some(added.join("lib")));

    // The flake's outputs, as dangling-flake-ref sees them.
    let project = Project::load(&project_dir, std::slice::from_ref(&project_dir), &|_| false);
    let flake = project
        .files
        .iter()
        .position(|f| f.path.ends_with("flake.nix"))
        .unwrap();
    let outputs = evaluated_outputs(&project, flake).expect("evaluates");
    let p = |s: &str| s.split('.').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        outputs.lookup(&p("nixosConfigurations.real-a-v99")),
        Some(true)
    );
    assert_eq!(outputs.lookup(&p("nixosConfigurations.other")), Some(false));

    // With analysis confinement, the lib may still read its own tree.
    let mut ev = Evaluator::new(EvalOptions {
        root: Some(project_dir.clone()),
        confine_to_root: true,
        pure: true,
        lib: Some(cfg),
        ..EvalOptions::default()
    });
    assert_eq!(
        show(&mut ev, "pkgs.lib.hostNames \"b\""),
        "[ \"real-b-v99\" ]"
    );
    assert_eq!(
        ev.lib_description().unwrap(),
        format!("nixpkgs lib at {}", added.join("lib").display())
    );
    // A real lib has no prelude fallbacks: a missing function is an error.
    ev.bind_unknowns(&["pkgs"]);
    let err = match ev.eval_expr_str("pkgs.lib.optionals", Path::new("/")) {
        Ok(v) => ev.force(&v).err(),
        Err(e) => Some(e),
    };
    assert!(
        err.is_some_and(|e| e.to_string().contains("attribute 'optionals' missing")),
        "a missing function of a real lib is an error"
    );

    // `nixfold eval --lib` next to the lock uses it as well.
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .current_dir(&project_dir)
        .args(["eval", "--lib", "--strict", "-E", "lib.hostNames \"c\""])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[ \"real-c-v99\" ]\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn broken_or_missing_real_lib_falls_back_to_the_prelude() {
    if !store_writable() {
        eprintln!(
            "SKIPPED broken_or_missing_real_lib_falls_back_to_the_prelude: /nix/store is not writable here"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (hash, _) = add_fake_nixpkgs(
        tmp.path(),
        "# nixfold test: a lib that fails\nthrow \"broken lib\"\n",
    );
    let project_dir = tmp.path().join("project");
    std::fs::create_dir_all(&project_dir).unwrap();
    write_flake(&project_dir, &hash, FLAKE);
    let cfg = LibConfig::for_project(&project_dir);
    assert!(cfg.nixpkgs_lib.is_some());
    let mut ev = evaluator(Some(cfg));
    assert_eq!(show(&mut ev, "pkgs.lib.optional true 1"), "[ 1 ]");
    let d = ev.lib_description().unwrap();
    assert!(
        d.starts_with("nixfold's lib prelude (") && d.contains("broken lib"),
        "{d}"
    );

    // `nixfold eval --lib` says why it fell back.
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .current_dir(&project_dir)
        .args(["eval", "--lib", "-E", "lib.optional true 1"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[ 1 ]\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: using nixfold's lib prelude (") && err.contains("broken lib"),
        "{err}"
    );

    // A lock whose source is not in the store: the prelude, silently.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    write_flake(
        &other,
        "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        FLAKE,
    );
    assert_eq!(LibConfig::for_project(&other).nixpkgs_lib, None);
}

#[test]
fn unknowns_keep_their_kind() {
    // `Unknown`s handed out for missing prelude attributes are selections.
    let mut ev = evaluator(Some(LibConfig::prelude()));
    ev.bind_unknowns(&["pkgs"]);
    let v = ev
        .eval_expr_str("pkgs.lib.fileset", Path::new("/"))
        .unwrap();
    let Value::Unknown(u) = ev.force(&v).unwrap() else {
        panic!("unknown expected");
    };
    assert!(matches!(&u.kind, UnknownKind::Select(_, n) if n == "fileset"));
    assert_eq!(u.root_name(), Some("lib"));
}

/// Membership tests on a list split from the environment by lib, through
/// helpers the syntactic analysis cannot follow, are learnt by evaluation.
#[test]
fn list_domain_through_lib_split_string() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("configuration.nix"),
        r#"{ lib, pkgs, ... }:
let
  selected = lib.splitString "." (builtins.getEnv "NIXOS_PACKAGES");
  h = { has = x: builtins.elem x selected; };
  want = names: builtins.filter h.has names;
in {
  environment.systemPackages =
    lib.optionals (h.has "k8s") [ pkgs.kubectl ]
    ++ lib.optionals (builtins.length (want [ "dev" ]) > 0) [ pkgs.git ];
}
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .args(["variants"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("list (separator \".\")"), "{text}");
    assert!(text.contains("values: dev, k8s"), "{text}");
    assert!(text.contains("learnt from: evaluation"), "{text}");
}

/// A budget too small to build the lib leaves lib unknown or gives an
/// error, and does not retry on every use.
#[test]
fn lib_under_a_tiny_budget() {
    let mut ev = Evaluator::new(EvalOptions {
        max_steps: 1,
        lib: Some(LibConfig::prelude()),
        ..EvalOptions::default()
    });
    ev.bind_unknowns(&["pkgs"]);
    for _ in 0..3 {
        if let Ok(v) = ev.eval_expr_str("pkgs.lib.optional", Path::new("/")) {
            let _ = ev.force(&v);
        }
    }
    assert!(ev.lib_description().is_none());
}
