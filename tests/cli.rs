//! `nixfold check`, `rules` and `explain` as users run them: output formats,
//! exit codes, colours, file discovery (.gitignore, excludes, several
//! paths), the project root and nixfold.toml, suppression comments, and bad
//! input (invalid UTF-8, binary, unreadable files, broken links, link loops,
//! very deep nesting), which must never crash.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

mod common;
use common::project::write;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn nixfold() -> Command {
    let mut c = Command::cargo_bin("nixfold").unwrap();
    c.env_remove("NO_COLOR");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = nixfold().args(args).current_dir(dir).output().unwrap();
    let r = Run {
        code: out.status.code().expect("exit code (no signal)"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
        "nixfold crashed: {}",
        r.stderr
    );
    r
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run_in(dir, &all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// (file, rule name, line) of every finding in a JSON document.
fn findings(v: &Value) -> Vec<(String, String, u64)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn files_of(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = findings(v).into_iter().map(|(f, _, _)| f).collect();
    f.dedup();
    f
}

const GETENV: &str = "{\n  a = builtins.getEnv \"A\";\n}\n";
const BROKEN: &str = "{\n  a = ;\n}\n";
const CLEAN: &str = "{\n  a = 1;\n}\n";

/// A small project: one clean file, one syntax error, one getEnv (a warning:
/// no flake evaluates it).
fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    write(d.path(), "clean.nix", CLEAN);
    write(d.path(), "broken.nix", BROKEN);
    write(d.path(), "sub/env.nix", GETENV);
    d
}

// ---------------------------------------------------------------- formats

#[test]
fn human_format() {
    let d = project();
    let r = run_in(
        d.path(),
        &["check", "--select", "syntax-error,impure-getenv"],
    );
    assert_eq!(r.code, 1);
    assert!(!r.stdout.contains('\x1b'), "no colour when not a terminal");
    insta::assert_snapshot!("human", r.stdout);
    let q = run_in(
        d.path(),
        &["check", "-q", "--select", "syntax-error,impure-getenv"],
    );
    assert!(!q.stdout.contains("Found"), "{}", q.stdout);
    assert!(q.stdout.contains("broken.nix:2:7"), "{}", q.stdout);
}

#[test]
fn human_format_colour() {
    let d = project();
    let r = run_in(d.path(), &["check", "--color", "always", "broken.nix"]);
    assert!(r.stdout.contains("\x1b["), "{}", r.stdout);
    let r = run_in(d.path(), &["check", "--color", "never", "broken.nix"]);
    assert!(!r.stdout.contains('\x1b'));
}

/// `script` runs nixfold on a pseudo-terminal: colour by default, none with
/// NO_COLOR (non-empty), colour again with NO_COLOR empty.
#[test]
fn colour_on_a_terminal_and_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let d = project();
    let bin = assert_cmd::cargo::cargo_bin("nixfold");
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec"])
            .arg(format!("{} check broken.nix", bin.display()))
            .arg("/dev/null")
            .current_dir(d.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    let plain = on_tty(None);
    assert!(plain.contains("broken.nix:2:7"), "{plain}");
    assert!(plain.contains("\x1b["), "colour on a terminal: {plain:?}");
    let no_color = on_tty(Some("1"));
    assert!(no_color.contains("broken.nix:2:7"), "{no_color}");
    assert!(!no_color.contains("\x1b["), "NO_COLOR: {no_color:?}");
    assert!(
        on_tty(Some("")).contains("\x1b["),
        "empty NO_COLOR is unset"
    );
}

#[test]
fn json_format() {
    let d = project();
    let (code, v) = json_in(d.path(), &["--select", "syntax-error,impure-getenv"]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["diagnostics", "summary", "version"]);
    let raw = run_in(d.path(), &["check", "--format", "json"]).stdout;
    assert!(
        raw.starts_with("{\n  \"version\": 1,\n  \"diagnostics\": ["),
        "{raw}"
    );
    assert!(raw.contains("\n  \"summary\": {"), "{raw}");
    for d in v["diagnostics"].as_array().unwrap() {
        let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "file",
                "fix",
                "line",
                "message",
                "name",
                "severity"
            ]
        );
        assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap()));
    }
    assert_eq!(
        findings(&v),
        [
            ("broken.nix".into(), "syntax-error".into(), 2),
            ("sub/env.nix".into(), "impure-getenv".into(), 2)
        ]
    );
    let broken = &v["diagnostics"][0];
    assert_eq!(
        (broken["column"].as_u64(), broken["end_column"].as_u64()),
        (Some(7), Some(8))
    );
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["warnings"], 1);
}

#[test]
fn json_fix_has_positions_and_offsets() {
    let d = tempfile::tempdir().unwrap();
    // bool-comparison carries a safe fix.
    write(d.path(), "a.nix", "x: {\n  b = x == true;\n}\n");
    let (_, v) = json_in(d.path(), &["--select", "bool-comparison", "a.nix"]);
    let fix = &v["diagnostics"][0]["fix"];
    assert!(fix.is_object(), "{v}");
    assert!(fix["message"].is_string());
    assert!(["safe", "unsafe"].contains(&fix["applicability"].as_str().unwrap()));
    let edit = &fix["edits"][0];
    for k in [
        "line",
        "column",
        "end_line",
        "end_column",
        "start_offset",
        "end_offset",
    ] {
        assert!(edit[k].is_u64(), "{k}: {edit}");
    }
    assert!(edit["replacement"].is_string());
    // Offsets and positions name the same place.
    let text = "x: {\n  b = x == true;\n}\n";
    let start = edit["start_offset"].as_u64().unwrap() as usize;
    let line = edit["line"].as_u64().unwrap() as usize;
    let col = edit["column"].as_u64().unwrap() as usize;
    let line_start: usize = text.split('\n').take(line - 1).map(|l| l.len() + 1).sum();
    assert_eq!(line_start + col - 1, start);
    // A finding without a fix has `"fix": null`.
    let (_, v) = json_in(d.path(), &["--select", "impure-getenv"]);
    assert!(v["diagnostics"].as_array().unwrap().is_empty());
    write(d.path(), "b.nix", GETENV);
    let (_, v) = json_in(d.path(), &["--select", "impure-getenv"]);
    assert!(v["diagnostics"][0]["fix"].is_null());
}

#[test]
fn json_paths_are_relative_to_the_current_directory() {
    let d = project();
    let abs = d.path().join("sub");
    let (_, v) = json_in(d.path(), &[abs.to_str().unwrap()]);
    assert_eq!(files_of(&v), ["sub/env.nix"]);
    let (_, v) = json_in(&d.path().join("sub"), &["../broken.nix"]);
    assert_eq!(files_of(&v), ["../broken.nix"]);
    let (_, v) = json_in(d.path(), &["./sub/./env.nix"]);
    assert_eq!(files_of(&v), ["sub/env.nix"]);
}

#[test]
fn sarif_format() {
    let d = project();
    let r = run_in(
        d.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--select",
            "syntax-error,impure-getenv,bool-comparison",
        ],
    );
    write(d.path(), "fix.nix", "x: x == true\n");
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    check_sarif(&v);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "syntax-error");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[1]["level"], "warning");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "broken.nix");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 7);
    // A fix becomes a SARIF fix.
    let r = run_in(
        d.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--select",
            "bool-comparison",
            "fix.nix",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    check_sarif(&v);
    let fix = &v["runs"][0]["results"][0]["fixes"][0];
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "fix.nix");
    let rep = &change["replacements"][0];
    assert!(rep["deletedRegion"]["startLine"].is_u64(), "{fix}");
    assert!(rep["insertedContent"]["text"].is_string(), "{fix}");
}

/// The properties SARIF 2.1.0 requires (and those code-scanning services read).
fn check_sarif(v: &Value) {
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "nixfold");
    assert!(driver["version"].is_string());
    // the package homepage from Cargo.toml
    assert_eq!(
        driver["informationUri"],
        "https://github.com/nixfold/nixfold"
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), nixfold::lints::rules::all().len());
    for r in rules {
        assert!(r["id"].is_string());
        assert!(r["shortDescription"]["text"].is_string());
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert!(
            full.contains(r["id"].as_str().unwrap()),
            "doc of {}",
            r["id"]
        );
        assert!(
            ["error", "warning", "note"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
    }
    for res in runs[0]["results"].as_array().unwrap() {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(res["message"]["text"].is_string());
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        for loc in res["locations"].as_array().unwrap() {
            let pl = &loc["physicalLocation"];
            let uri = pl["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
            assert_eq!(pl["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let region = &pl["region"];
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(region[k].as_u64().is_some_and(|n| n >= 1), "{k}: {region}");
            }
        }
    }
}

#[test]
fn github_format() {
    let d = project();
    write(d.path(), "info.nix", "{ config, ... }:\n{ }\n");
    let r = run_in(
        d.path(),
        &[
            "check",
            "--format",
            "github",
            "--select",
            "syntax-error,impure-getenv,unused-formal",
        ],
    );
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=broken.nix,line=2,col=7,endLine=2,endColumn=8,title=syntax-error::unexpected `;`"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("::notice file=info.nix,line=1,col=3,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(
            "::warning file=sub/env.nix,line=2,col=7,endLine=2,endColumn=26,title=impure-getenv::"
        ),
        "{}",
        lines[2]
    );
    // Notes are joined with an escaped newline; nothing else breaks the line.
    assert!(lines.iter().all(|l| l.starts_with("::")));
}

#[test]
fn github_format_escapes_properties() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a,b:c%.nix", BROKEN);
    let r = run_in(d.path(), &["check", "--format", "github", "."]);
    assert!(
        r.stdout
            .starts_with("::error file=a%2Cb%3Ac%25.nix,line=2,"),
        "{}",
        r.stdout
    );
}

// ------------------------------------------------------------- exit codes

#[test]
fn exit_codes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "clean.nix", CLEAN);
    let r = run_in(d.path(), &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("No problems found (1 file checked)."),
        "{}",
        r.stdout
    );
    // Info findings do not fail the check.
    write(d.path(), "info.nix", "{ config, ... }:\n{ }\n");
    let (code, v) = json_in(d.path(), &["--select", "unused-formal"]);
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    assert_eq!(code, 0);
    // A warning does.
    write(d.path(), "warn.nix", GETENV);
    assert_eq!(run_in(d.path(), &["check"]).code, 1);
    // nixfold could not do its job: 2.
    assert_eq!(run_in(d.path(), &["check", "--format", "xml"]).code, 2);
    assert_eq!(run_in(d.path(), &["check", "--no-such-flag"]).code, 2);
    assert_eq!(run_in(d.path(), &["frobnicate"]).code, 2);
    assert_eq!(
        run_in(d.path(), &["check", "--select", "no-such-rule"]).code,
        2
    );
    let r = run_in(d.path(), &["check", "missing.nix"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nixfold: missing.nix: no such file or directory"),
        "{}",
        r.stderr
    );
    write(d.path(), "nixfold.toml", "[check]\nbogus = 1\n");
    assert_eq!(run_in(d.path(), &["check"]).code, 2);
    // --help and --version succeed.
    assert_eq!(run_in(d.path(), &["check", "--help"]).code, 0);
    assert_eq!(run_in(d.path(), &["--version"]).code, 0);
}

#[test]
fn missing_path_still_checks_the_others() {
    let d = project();
    let (code, v) = json_in(d.path(), &["missing.nix", "broken.nix"]);
    assert_eq!(code, 2);
    assert_eq!(files_of(&v), ["broken.nix"]);
}

// ------------------------------------------------------ finding the files

#[test]
fn gitignore_and_git_directories() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join(".git/info")).unwrap();
    write(p, ".git/info/exclude", "local/\n");
    write(p, ".git/hooks/bad.nix", BROKEN);
    write(p, ".gitignore", "result/\n*.gen.nix\n!keep.gen.nix\n");
    write(p, "sub/.gitignore", "private.nix\n");
    write(p, "result/bad.nix", BROKEN);
    write(p, "x.gen.nix", BROKEN);
    write(p, "keep.gen.nix", BROKEN);
    write(p, "sub/private.nix", BROKEN);
    write(p, "sub/public.nix", BROKEN);
    write(p, "local/bad.nix", BROKEN);
    write(p, ".hidden/seen.nix", BROKEN);
    let (_, v) = json_in(p, &[]);
    assert_eq!(
        files_of(&v),
        [".hidden/seen.nix", "keep.gen.nix", "sub/public.nix"]
    );
    // Files named on the command line are checked even if ignored.
    let (_, v) = json_in(p, &["x.gen.nix", "sub/private.nix", "sub"]);
    assert_eq!(
        files_of(&v),
        ["sub/private.nix", "sub/public.nix", "x.gen.nix"]
    );
    // Walking a subdirectory still honours the parent's .gitignore.
    write(p, "sub/y.gen.nix", BROKEN);
    let (_, v) = json_in(p, &["sub"]);
    assert_eq!(files_of(&v), ["sub/public.nix"]);
}

#[test]
fn gitignore_without_a_repository() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), ".gitignore", "skip.nix\n");
    write(d.path(), "skip.nix", BROKEN);
    write(d.path(), "check.nix", BROKEN);
    let (_, v) = json_in(d.path(), &[]);
    assert_eq!(files_of(&v), ["check.nix"]);
}

#[test]
fn several_paths_are_deduplicated() {
    let d = project();
    let (_, v) = json_in(
        d.path(),
        &["broken.nix", ".", "./broken.nix", "sub", "sub/env.nix"],
    );
    let f = findings(&v);
    assert_eq!(f.iter().filter(|x| x.0 == "broken.nix").count(), 1, "{f:?}");
    assert_eq!(
        f.iter().filter(|x| x.0 == "sub/env.nix").count(),
        1,
        "{f:?}"
    );
    assert_eq!(v["summary"]["files"], 3);
}

#[test]
fn excludes_from_nixfold_toml() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "flake.nix", "{ outputs = _: { }; }\n");
    write(
        p,
        "nixfold.toml",
        "[check]\nexclude = [\"gen\", \"vendor/**/*.nix\", \"*.skip.nix\"]\n",
    );
    write(p, "gen/a.nix", BROKEN);
    write(p, "vendor/x/b.nix", BROKEN);
    write(p, "top.skip.nix", BROKEN);
    write(p, "sub/deep.skip.nix", BROKEN);
    write(p, "sub/gen.nix", BROKEN);
    let (_, v) = json_in(p, &["--select", "syntax-error"]);
    assert_eq!(files_of(&v), ["sub/deep.skip.nix", "sub/gen.nix"]);
    // Excluded paths stay excluded when named (pre-commit passes file names),
    // and globs are relative to the root even when run from a subdirectory.
    let (code, v) = json_in(p, &["gen/a.nix", "top.skip.nix"]);
    assert_eq!((code, files_of(&v)), (0, Vec::<String>::new()));
    let (_, v) = json_in(&p.join("vendor"), &["--select", "syntax-error", "."]);
    assert!(files_of(&v).is_empty(), "{v}");
}

#[test]
fn project_root_and_config_lookup() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "nixfold.toml", "[check]\ndisable = [\"syntax-error\"]\n");
    write(p, "a/b/broken.nix", BROKEN);
    write(p, "flaky/flake.nix", "{ outputs = _: { }; }\n");
    write(p, "flaky/broken.nix", BROKEN);
    let syntax_errors = |v: &Value| {
        findings(v)
            .into_iter()
            .filter(|f| f.1 == "syntax-error")
            .count()
    };
    // From a subdirectory without markers: the parent's nixfold.toml applies.
    let (_, v) = json_in(&p.join("a/b"), &[]);
    assert_eq!(syntax_errors(&v), 0, "{v}");
    let (_, v) = json_in(p, &["a/b/broken.nix"]);
    assert_eq!(syntax_errors(&v), 0, "{v}");
    // A directory with flake.nix is its own root: the config above is not read.
    let (code, v) = json_in(p, &["flaky"]);
    assert_eq!(code, 1);
    assert_eq!(syntax_errors(&v), 1, "{v}");
}

// -------------------------------------------------------------- nixfold.toml

#[test]
fn config_errors_are_located() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "a.nix", CLEAN);
    write(
        p,
        "nixfold.toml",
        "[check]\nenable = []\ndisable = [\n  \"impure-getenvv\",\n]\n",
    );
    let r = run_in(p, &["check"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("invalid nixfold.toml: unknown rule `impure-getenvv` in `check.disable`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nixfold.toml:4:3"), "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean `impure-getenv`?"),
        "{}",
        r.stderr
    );
    write(
        p,
        "nixfold.toml",
        "[check]\ndisabled = [\"impure-getenv\"]\n",
    );
    let r = run_in(p, &["check"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown field `disabled`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nixfold.toml:2:1"), "{}", r.stderr);
    write(p, "nixfold.toml", "[check\n");
    let r = run_in(p, &["check"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nixfold.toml:1:"), "{}", r.stderr);
    write(p, "nixfold.toml", "[check]\nexclude = [\"a/{b\"]\n");
    let r = run_in(p, &["check"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid glob `a/{b`"), "{}", r.stderr);
    write(
        p,
        "nixfold.toml",
        "[check]\nenable = [\"eta-reduction\"]\ndisable = [\"eta-reduction\"]\n",
    );
    assert_eq!(run_in(p, &["check"]).code, 2);
}

#[test]
fn enable_and_disable() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "a.nix", "f: x: f x\n");
    write(p, "b.nix", GETENV);
    let (_, v) = json_in(p, &[]);
    let names: Vec<String> = findings(&v).into_iter().map(|f| f.1).collect();
    assert!(names.contains(&"impure-getenv".to_string()), "{names:?}");
    assert!(
        !names.contains(&"eta-reduction".to_string()),
        "opt-in rule ran"
    );
    write(
        p,
        "nixfold.toml",
        "[check]\nenable = [\"eta-reduction\"]\ndisable = [\"impure-getenv\"]\n",
    );
    let (_, v) = json_in(p, &[]);
    let names: Vec<String> = findings(&v).into_iter().map(|f| f.1).collect();
    assert!(names.contains(&"eta-reduction".to_string()), "{names:?}");
    assert!(!names.contains(&"impure-getenv".to_string()), "{names:?}");
}

// ----------------------------------------------------------------- suppressions

#[test]
fn suppression_comments() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "a.nix",
        r##"{
  # nixfold: ignore[impure-getenv]
  a = builtins.getEnv "A";
  b = builtins.getEnv "B"; # nixfold: ignore[impure-getenv] reason
  # nixfold: ignore[impure-getenv]
  # an explanation between the suppression and the code
  c = builtins.getEnv "C";
  # nixfold: ignore[impure-getenv]

  d = builtins.getEnv "D";
  e = builtins.getEnv "E"; # nixfold: ignore[absolute-path]
  f = "# nixfold: ignore[impure-getenv]"; g = builtins.getEnv "G";
  h = builtins.getEnv "H"; # nixfold: ignore[impure-getenvv, impure-getenv]
}
"##,
    );
    write(
        p,
        "b.nix",
        "# nixfold: ignore-file[impure-getenv]\n{ a = builtins.getEnv \"A\"; }\n",
    );
    write(
        p,
        "c.nix",
        "{\n  a = builtins.getEnv \"A\";\n  # nixfold: ignore-file[impure-getenv, syntax-error]\n}\n",
    );
    let (_, v) = json_in(p, &["--select", "impure-getenv,invalid-suppression"]);
    assert_eq!(
        findings(&v),
        [
            ("a.nix".into(), "impure-getenv".into(), 10),
            ("a.nix".into(), "impure-getenv".into(), 11),
            ("a.nix".into(), "impure-getenv".into(), 12),
            ("a.nix".into(), "invalid-suppression".into(), 13),
        ]
    );
    let bad = &v["diagnostics"][3];
    assert_eq!(bad["column"], 46);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("unknown rule `impure-getenvv`")
    );
    // The human output shows the suggestion.
    let r = run_in(p, &["check", "--select", "invalid-suppression", "a.nix"]);
    assert!(
        r.stdout.contains("did you mean `impure-getenv`?"),
        "{}",
        r.stdout
    );
}

#[test]
fn suppression_in_scripts() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "flake.nix",
        "{ outputs = _: { packages.x86_64-linux.real = 1; }; }\n",
    );
    write(
        p,
        "build.sh",
        "#!/bin/sh\nnix build .#missing-one\n# nixfold: ignore[dangling-flake-ref]\nnix build .#missing-two\n",
    );
    let (_, v) = json_in(p, &["--select", "dangling-flake-ref"]);
    assert_eq!(
        findings(&v),
        [("build.sh".into(), "dangling-flake-ref".into(), 2)]
    );
}

// ------------------------------------------------------------------ bad input

#[test]
fn unreadable_and_non_text_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "good.nix", GETENV);
    write(p, "latin1.nix", b"{\n  a = \"caf\xe9\";\n}\n");
    write(
        p,
        "utf8-then-bad.nix",
        "{ λ = \"é"
            .bytes()
            .chain(*b"\xff\"; }\n")
            .collect::<Vec<u8>>(),
    );
    write(p, "binary.nix", b"\x7fELF\x02\x01\x01\x00\x00\x00");
    std::os::unix::fs::symlink("nowhere.nix", p.join("dangling.nix")).unwrap();
    std::os::unix::fs::symlink("loop-b.nix", p.join("loop-a.nix")).unwrap();
    std::os::unix::fs::symlink("loop-a.nix", p.join("loop-b.nix")).unwrap();
    std::os::unix::fs::symlink(".", p.join("dir-loop")).unwrap();
    std::fs::create_dir(p.join("dir.nix")).unwrap();
    std::os::unix::fs::symlink("good.nix", p.join("alias.nix")).unwrap();
    // A broken link to a document or script is not Nix source: skipped.
    std::os::unix::fs::symlink("../missing/README.md", p.join("README.md")).unwrap();
    std::os::unix::fs::symlink("missing.sh", p.join("build.sh")).unwrap();
    let (code, v) = json_in(p, &[]);
    assert_eq!(code, 1);
    let diags = v["diagnostics"].as_array().unwrap();
    let about =
        |file: &str| -> Vec<&Value> { diags.iter().filter(|d| d["file"] == file).collect() };
    let one = |file: &str, needle: &str| {
        let ds = about(file);
        assert_eq!(ds.len(), 1, "{file}: {ds:?}");
        assert_eq!(ds[0]["name"], "syntax-error");
        let msg = ds[0]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{file}: {msg}");
        ds[0]
    };
    let latin1 = one("latin1.nix", "not valid UTF-8");
    assert_eq!(
        (latin1["line"].as_u64(), latin1["column"].as_u64()),
        (Some(2), Some(11))
    );
    let utf8 = one("utf8-then-bad.nix", "not valid UTF-8");
    assert_eq!(
        (utf8["line"].as_u64(), utf8["column"].as_u64()),
        (Some(1), Some(9))
    );
    one("binary.nix", "binary");
    one("dangling.nix", "broken symbolic link");
    one("loop-a.nix", "symbolic link loop");
    one("loop-b.nix", "symbolic link loop");
    assert!(about("README.md").is_empty() && about("build.sh").is_empty());
    // The other files are still checked; a link to a file is read.
    assert_eq!(about("good.nix").len(), 1);
    assert_eq!(about("alias.nix").len(), 1);
    assert_eq!(about("good.nix")[0]["name"], "impure-getenv");
    // Human output names the file and position without a snippet.
    let r = run_in(p, &["check", "latin1.nix", "dangling.nix"]);
    assert!(
        r.stdout
            .contains("latin1.nix:2:11: error[syntax-error]: file is not valid UTF-8"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("nixfold: dangling.nix: broken symbolic link"),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 2, "a broken link named on the command line");
}

#[test]
fn permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "good.nix", GETENV);
    write(p, "secret.nix", CLEAN);
    write(p, "locked/inner.nix", CLEAN);
    std::fs::set_permissions(p.join("secret.nix"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(p.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let is_root = std::fs::read(p.join("secret.nix")).is_ok();
    let (code, v) = json_in(p, &[]);
    let (named, _) = json_in(p, &["secret.nix", "good.nix"]);
    std::fs::set_permissions(p.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(files_of(&v).contains(&"good.nix".to_string()), "{v}");
    if is_root {
        // root reads anything: nothing to report, and no crash.
        eprintln!("running as root: permission checks reduced");
        assert_eq!(code, 1);
        assert_eq!(named, 1);
        return;
    }
    let msgs: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["name"] == "syntax-error")
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        msgs.contains(&(
            "secret.nix".into(),
            "cannot read file: permission denied".into()
        )),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|(f, _)| f == "locked"), "{msgs:?}");
    assert_eq!(code, 1);
    // Named on the command line, an unreadable file stops the run: 2.
    assert_eq!(named, 2);
}

#[test]
fn special_files_on_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "good.nix", CLEAN);
    let fifo = p.join("pipe.nix");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo failed");
        return;
    }
    // Named: refused (reading would block); walked: skipped.
    let r = run_in(p, &["check", "pipe.nix", "good.nix"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("pipe.nix: not a regular file"),
        "{}",
        r.stderr
    );
    assert_eq!(run_in(p, &["check"]).code, 0);
}

#[test]
fn deep_nesting_never_crashes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let n = 100_000;
    let cases = [
        ("parens.nix", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("lists.nix", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (
            "sets.nix",
            format!("{}1{}", "{ a = ".repeat(n), "; }".repeat(n)),
        ),
        ("lets.nix", format!("{}1", "let a = 1; in ".repeat(n))),
        ("lambdas.nix", format!("{}1", "x: ".repeat(n))),
        ("negation.nix", format!("{}1", "- ".repeat(n))),
        ("not.nix", format!("{}true", "!".repeat(n))),
        ("plus.nix", vec!["1"; n].join(" + ")),
        ("plus-nospace.nix", vec!["1"; n].join("+")),
        ("concat.nix", vec!["[ ]"; n].join(" ++ ")),
        ("apply.nix", format!("f{}", " a".repeat(n))),
        // Valid Nix, but a run the tokenizer would read in quadratic time.
        ("select.nix", format!("a{}", ".b".repeat(n))),
        (
            "strings.nix",
            format!("{}x{}", "\"${".repeat(n), "}\"".repeat(n)),
        ),
        ("unclosed.nix", "[ ( { a = ".repeat(n)),
        ("minus.nix", format!("{}1", "-".repeat(n))),
    ];
    for (name, text) in &cases {
        write(p, name, text);
    }
    write(p, "good.nix", GETENV);
    for format in ["human", "github"] {
        let r = run_in(p, &["check", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
    }
    let (code, v) = json_in(p, &[]);
    assert_eq!(code, 1);
    let f = findings(&v);
    for (name, _) in &cases {
        let errs: Vec<_> = f
            .iter()
            .filter(|(file, rule, _)| file == name && rule == "syntax-error")
            .collect();
        assert_eq!(errs.len(), 1, "{name}: {f:?}");
    }
    assert!(f.contains(&("good.nix".into(), "impure-getenv".into(), 2)));
}

#[test]
fn first_syntax_error_per_file() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.nix", "{\n  a = ;\n  b = ;\n  c = [ ;\n}\n");
    let (_, v) = json_in(d.path(), &["--select", "syntax-error"]);
    assert_eq!(findings(&v), [("a.nix".into(), "syntax-error".into(), 2)]);
    let r = run_in(d.path(), &["check", "--select", "syntax-error"]);
    assert!(
        r.stdout.contains("more errors after this one"),
        "{}",
        r.stdout
    );
}

// ------------------------------------------------------------ rules, explain

#[test]
fn rules_listing() {
    let d = tempfile::tempdir().unwrap();
    let r = run_in(d.path(), &["rules"]);
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("CODE"), "{}", lines[0]);
    for h in ["NAME", "SEVERITY", "DEFAULT", "SUMMARY"] {
        assert!(lines[0].contains(h));
    }
    assert_eq!(lines.len(), nixfold::lints::rules::all().len() + 1);
    assert!(lines.iter().any(|l| l.starts_with("NF0001  syntax-error ")));
    let r = run_in(d.path(), &["rules", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), nixfold::lints::rules::all().len());
    let first = &rows[0];
    assert_eq!(first["code"], "NF0001");
    assert_eq!(first["name"], "syntax-error");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["enabled_by_default"], true);
    assert!(first["summary"].is_string());
    assert!(
        rows.iter()
            .any(|r| r["enabled_by_default"] == false && r["name"] == "eta-reduction")
    );
}

#[test]
fn explain() {
    let d = tempfile::tempdir().unwrap();
    let r = run_in(d.path(), &["explain", "invalid-suppression"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("## invalid-suppression (NF0002)"),
        "{}",
        r.stdout
    );
    let by_code = run_in(d.path(), &["explain", "nf0002"]);
    assert_eq!(by_code.stdout, r.stdout);
    let r = run_in(d.path(), &["explain", "impure-getnev"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("unknown rule `impure-getnev`; did you mean `impure-getenv`?"),
        "{}",
        r.stderr
    );
    let r = run_in(d.path(), &["explain", "zzzzzzzzzzzz"]);
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("did you mean"));
}

#[test]
fn closed_stdout_is_not_a_crash() {
    let d = project();
    let mut child = nixfold()
        .args(["check", "--format", "sarif"])
        .current_dir(d.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ------------------------------------------------------- generated files

/// Files `.gitattributes` marks `linguist-generated` get no style or
/// dead-code findings (their tool rewrites them), but still purity and
/// correctness ones; a file the marking leaves out gets all of them.
#[test]
fn generated_files_get_no_style_or_dead_code_findings() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    write(
        d.path(),
        ".gitattributes",
        "materialized/** linguist-generated=true\nmaterialized/hand.nix -linguist-generated\n",
    );
    let source = "{ lib, ... }:\nlet unused = 1; in\n{\n  a = rec { b = 1; };\n  e = builtins.getEnv \"A\";\n  u = undefinedThing;\n}\n";
    write(d.path(), "materialized/plan/pkg.nix", source);
    write(d.path(), "materialized/hand.nix", source);
    write(d.path(), "own.nix", source);
    let (_, v) = json_in(d.path(), &["."]);
    let names_in = |file: &str| -> Vec<String> {
        let mut n: Vec<String> = findings(&v)
            .into_iter()
            .filter(|(f, _, _)| f == file)
            .map(|(_, n, _)| n)
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names_in("materialized/plan/pkg.nix"),
        ["impure-getenv", "undefined-name"],
        "{v:#}"
    );
    for file in ["materialized/hand.nix", "own.nix"] {
        let names = names_in(file);
        for want in [
            "impure-getenv",
            "undefined-name",
            "unused-let-binding",
            "unused-rec",
        ] {
            assert!(names.iter().any(|n| n == want), "{file}: {names:?}");
        }
    }
}
