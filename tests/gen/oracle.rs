//! Running the oracles: real Nix (`nix-instantiate`) and nixfold's own
//! binary, with timeouts, plus a small parallel map.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The result of evaluating one expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Printed value (stdout, trailing newline removed).
    Value(String),
    /// Evaluation failed; the error text (stderr).
    Error(String),
    /// The process did not finish in time.
    Timeout,
}

impl Outcome {
    pub fn is_value(&self) -> bool {
        matches!(self, Outcome::Value(_))
    }
    pub fn short(&self) -> String {
        match self {
            Outcome::Value(v) => format!("value: {v}"),
            Outcome::Error(e) => {
                let first = e
                    .lines()
                    .find(|l| l.contains("error"))
                    .or(e.lines().next())
                    .unwrap_or("");
                format!("error: {}", first.trim())
            }
            Outcome::Timeout => "timeout".into(),
        }
    }
}

/// Run a command with a timeout; returns (success, stdout, stderr).
pub fn run(mut cmd: Command, timeout: Duration) -> Option<(bool, String, String)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let out = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    status.map(|s| (s.success(), out, err))
}

pub fn require_nix() {
    let ok = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "this test needs real Nix (`nix-instantiate`); install it (e.g. `apt-get install nix-bin`, as .ci/run does)"
    );
}

/// The wrapper that makes `nix-instantiate --parse` check syntax only.
///
/// Nix's parser also resolves variables and rejects unbound names; that is
/// name resolution, which nixfold does in src/hir, not in the syntax layer.
/// Inside `with {};` unbound names are looked up at evaluation time instead,
/// so the wrapped text is accepted exactly when the original is
/// syntactically valid. The newline before `)` ends a trailing `#` comment.
pub fn syntax_only(text: &str) -> String {
    format!("with {{}}; (\n{text}\n)")
}

/// Does real Nix accept `text` (syntax only, see [`syntax_only`])? Returns
/// the verdict and Nix's error message.
pub fn nix_parse(dir: &Path, name: &str, text: &str) -> (bool, String) {
    let file = dir.join(name);
    std::fs::write(&file, syntax_only(text)).unwrap();
    let mut cmd = Command::new("nix-instantiate");
    cmd.arg("--parse").arg(&file);
    let r = run(cmd, Duration::from_secs(30)).expect("nix-instantiate --parse timed out");
    let _ = std::fs::remove_file(&file);
    (r.0, r.2)
}

/// An expression as a command-line argument: a leading space keeps `-1`
/// from being read as an option.
fn as_argument(expr: &str) -> String {
    format!(" {expr}")
}

/// An environment variable both evaluators see (for `getEnv` cases).
pub const CORPUS_VAR: (&str, &str) = ("NIXFOLD_CORPUS", "corpus-value");

/// `nix-instantiate --eval --strict -E expr` in `cwd`.
pub fn nix_eval(cwd: &Path, expr: &str) -> Outcome {
    let mut cmd = Command::new("nix-instantiate");
    cmd.current_dir(cwd).env(CORPUS_VAR.0, CORPUS_VAR.1).args([
        "--eval",
        "--strict",
        "-E",
        &as_argument(expr),
    ]);
    outcome(run(cmd, Duration::from_secs(30)))
}

fn outcome(r: Option<(bool, String, String)>) -> Outcome {
    match r {
        None => Outcome::Timeout,
        Some((true, out, _)) => Outcome::Value(out.strip_suffix('\n').unwrap_or(&out).to_string()),
        Some((false, _, err)) => Outcome::Error(err),
    }
}

/// The nixfold binary built for these tests.
pub fn nixfold_bin() -> &'static str {
    env!("CARGO_BIN_EXE_nixfold")
}

/// Whether this nixfold build has the `eval` subcommand.
pub fn nixfold_has_eval() -> bool {
    Command::new(nixfold_bin())
        .args(["eval", "--help"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `nixfold eval --strict -E expr` in `cwd`.
pub fn nixfold_eval(cwd: &Path, expr: &str) -> Outcome {
    let mut cmd = Command::new(nixfold_bin());
    cmd.current_dir(cwd).env(CORPUS_VAR.0, CORPUS_VAR.1).args([
        "eval",
        "--strict",
        "-E",
        &as_argument(expr),
    ]);
    outcome(run(cmd, Duration::from_secs(60)))
}

/// Map `f` over `items` on `threads` threads, keeping the order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.max(1);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| {
                let f = &f;
                s.spawn(move || c.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker panicked"))
            .collect()
    })
}
