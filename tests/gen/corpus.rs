//! The evaluation corpus format (see tests/eval_corpus/README.md) and the
//! differential runner shared by tests/eval_corpus.rs and
//! tests/lib_prelude.rs.

use std::path::{Path, PathBuf};

use super::oracle::{self, Outcome};

/// One corpus expression.
#[derive(Debug, Clone)]
pub struct Case {
    /// `file:line` for messages.
    pub place: String,
    /// The expression as written (used to match known gaps).
    pub source: String,
    /// What is evaluated (with the file's prefix).
    pub expr: String,
    pub must_fail: bool,
    pub expect: Option<String>,
}

/// Read one corpus file. `subst` replaces `@NAME@` placeholders.
pub fn read_file(path: &Path, subst: &[(&str, String)]) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut prefix = String::new();
    let mut cases: Vec<Case> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let place = format!("{name}:{}", i + 1);
        if let Some(p) = line.strip_prefix("#% prefix:") {
            prefix = p.trim().to_string();
            for (k, v) in subst {
                prefix = prefix.replace(&format!("@{k}@"), v);
            }
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(exp) = line.strip_prefix("=> ") {
            let last = cases
                .last_mut()
                .unwrap_or_else(|| panic!("{place}: `=>` without an expression"));
            assert!(last.expect.is_none(), "{place}: two `=>` lines");
            last.expect = Some(exp.to_string());
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = cases
                .last_mut()
                .unwrap_or_else(|| panic!("{place}: continuation without an expression"));
            last.source.push('\n');
            last.source.push_str(line);
            last.expr.push('\n');
            last.expr.push_str(line);
            continue;
        }
        let (must_fail, src) = match line.strip_prefix("! ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let expr = if prefix.is_empty() {
            src.to_string()
        } else {
            format!("{prefix} {src}")
        };
        cases.push(Case {
            place,
            source: src.to_string(),
            expr,
            must_fail,
            expect: None,
        });
    }
    cases
}

/// Every `*.txt` file directly in `dir`, sorted.
pub fn read_dir(dir: &Path, subst: &[(&str, String)]) -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| read_file(f, subst)).collect()
}

/// A known difference between nixfold and Nix, listed so the suite stays
/// green while it is open: the expression (as written in the corpus) and a
/// one-line reason.
pub struct KnownGap {
    pub source: &'static str,
    pub reason: &'static str,
}

/// The report of one corpus run.
#[derive(Default)]
pub struct Report {
    pub total: usize,
    pub failing: usize,
    /// Problems with the corpus itself (real Nix disagrees with it).
    pub corpus_errors: Vec<String>,
    /// nixfold disagrees with Nix.
    pub mismatches: Vec<String>,
    /// Known gaps that were hit.
    pub gaps_hit: Vec<String>,
    /// Known gaps that no longer differ.
    pub gaps_fixed: Vec<String>,
}

impl Report {
    /// Panic with every problem found.
    pub fn assert_ok(&self, what: &str) {
        let mut msg = String::new();
        if !self.corpus_errors.is_empty() {
            msg.push_str(&format!(
                "\n{} corpus entries disagree with real Nix:\n{}\n",
                self.corpus_errors.len(),
                self.corpus_errors.join("\n")
            ));
        }
        if !self.mismatches.is_empty() {
            msg.push_str(&format!(
                "\n{} differences between nixfold and Nix:\n{}\n",
                self.mismatches.len(),
                self.mismatches.join("\n")
            ));
        }
        if !self.gaps_fixed.is_empty() {
            msg.push_str(&format!(
                "\nthese known gaps now agree with Nix; remove them from KNOWN_GAPS:\n{}\n",
                self.gaps_fixed.join("\n")
            ));
        }
        assert!(msg.is_empty(), "{what}:{msg}");
    }
}

/// Whether nixfold's failure is a crash rather than an evaluation error.
pub fn crashed(o: &Outcome) -> bool {
    matches!(o, Outcome::Error(e) if e.contains("panicked") || e.contains("internal error") || e.contains("overflow"))
}

/// Evaluate every case with Nix and (when `with_nixfold`) nixfold in `cwd`.
pub fn run(cases: &[Case], cwd: &Path, with_nixfold: bool, gaps: &[KnownGap]) -> Report {
    let outcomes = oracle::par_map(cases, 2, |c| {
        let nix = oracle::nix_eval(cwd, &c.expr);
        let nf = with_nixfold.then(|| oracle::nixfold_eval(cwd, &c.expr));
        (nix, nf)
    });
    let mut r = Report {
        total: cases.len(),
        ..Report::default()
    };
    for (c, (nix, nf)) in cases.iter().zip(outcomes) {
        if !nix.is_value() {
            r.failing += 1;
        }
        match (&nix, c.must_fail) {
            (Outcome::Timeout, _) => r
                .corpus_errors
                .push(format!("{}: Nix timed out: {}", c.place, c.source)),
            (Outcome::Value(v), true) => r.corpus_errors.push(format!(
                "{}: marked `!` but Nix gives {v}: {}",
                c.place, c.source
            )),
            (Outcome::Error(_), false) => r.corpus_errors.push(format!(
                "{}: Nix fails ({}): {}",
                c.place,
                nix.short(),
                c.source
            )),
            _ => {}
        }
        if let (Some(exp), Outcome::Value(v)) = (&c.expect, &nix)
            && v != exp
        {
            r.corpus_errors.push(format!(
                "{}: expected `{exp}` but Nix gives `{v}`: {}",
                c.place, c.source
            ));
        }
        let Some(nf) = nf else { continue };
        let same = match (&nix, &nf) {
            (Outcome::Value(a), Outcome::Value(b)) => a == b,
            (Outcome::Error(_), Outcome::Error(_)) => !crashed(&nf),
            _ => false,
        };
        let gap = gaps.iter().find(|g| g.source == c.source);
        match (same, gap) {
            (true, None) => {}
            (true, Some(g)) => r.gaps_fixed.push(format!("{}: {}", c.place, g.source)),
            (false, Some(g)) => r.gaps_hit.push(format!("{}: {}", c.place, g.reason)),
            (false, None) => r.mismatches.push(format!(
                "{}: {}\n    nix:     {}\n    nixfold: {}",
                c.place,
                c.source,
                nix.short(),
                nf.short()
            )),
        }
    }
    r
}
