//! The evaluator-backed [`ValueOracle`]: evaluates a file before and after its
//! fixes with the embedded evaluator (pure mode, file access confined to the
//! file's directory, bounded steps and memory) and compares the fully forced
//! values.
//!
//! Values are compared in a canonical form: attributes sorted, shared values
//! printed in full (fixes may change what is shared), functions opaque (as
//! Nix prints them). Anything the evaluator cannot finish, or a value with
//! unknowns in it, gives [`ValueVerdict::Unknown`]: the fix loop then keeps
//! the fixes, which were checked in every other way.

use std::path::Path;

use super::fix::{ValueOracle, ValueVerdict};
use crate::eval::value::ThunkState;
use crate::eval::{EvalOptions, Evaluator, Value};

/// Compares files with the embedded evaluator.
pub struct EvalOracle {
    /// Evaluation steps allowed per evaluation.
    pub max_steps: u64,
    /// Longest canonical value compared (bytes).
    pub max_output: usize,
}

impl Default for EvalOracle {
    fn default() -> Self {
        EvalOracle {
            max_steps: 20_000_000,
            max_output: 4 << 20,
        }
    }
}

impl EvalOracle {
    /// The canonical value of `text` as the file `path`, or `None` when it
    /// cannot be fully evaluated.
    fn value(&self, path: &Path, text: &str) -> Option<String> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).ok()?;
        let opts = EvalOptions {
            pure: true,
            root: Some(dir.clone()),
            confine_to_root: true,
            read_process_env: false,
            nix_path: Some(Vec::new()),
            max_steps: self.max_steps,
            max_memory: 512 << 20,
            max_depth: 10_000,
            ..EvalOptions::default()
        };
        let mut ev = Evaluator::new(opts);
        let v = ev.eval_expr_str(text, &dir).ok()?;
        ev.force_deep(&v).ok()?;
        canonical(&v, self.max_output)
    }
}

impl ValueOracle for EvalOracle {
    fn compare(&self, path: &Path, before: &str, after: &str) -> ValueVerdict {
        let Some(old) = self.value(path, before) else {
            return ValueVerdict::Unknown;
        };
        match self.value(path, after) {
            Some(new) if new == old => ValueVerdict::Same,
            Some(new) => {
                ValueVerdict::Changed(format!("{} became {}", shorten(&old), shorten(&new)))
            }
            None => ValueVerdict::Changed(format!("{} no longer evaluates", shorten(&old))),
        }
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A forced value printed canonically; `None` for unknowns, unforced parts,
/// or output longer than `max` bytes.
fn canonical(v: &Value, max: usize) -> Option<String> {
    enum Item {
        Val(Value),
        Text(&'static str),
        Owned(String),
    }
    let mut out = String::new();
    let mut stack = vec![Item::Val(v.clone())];
    while let Some(item) = stack.pop() {
        if out.len() > max {
            return None;
        }
        match item {
            Item::Text(t) => out.push_str(t),
            Item::Owned(t) => out.push_str(&t),
            Item::Val(v) => {
                let v = match &v {
                    Value::Thunk(t) => match &*t.state.borrow() {
                        ThunkState::Done(x) => x.clone(),
                        _ => return None,
                    },
                    _ => v,
                };
                match &v {
                    Value::Null => out.push_str("null"),
                    Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                    Value::Int(i) => out.push_str(&i.to_string()),
                    Value::Float(f) => out.push_str(&crate::eval::print::format_float(*f)),
                    Value::String(s) => out.push_str(&crate::eval::print::escape_string(&s.s)),
                    Value::Path(p) => out.push_str(p),
                    Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => {
                        out.push_str("<LAMBDA>")
                    }
                    Value::Thunk(_) | Value::Unknown(_) => return None,
                    Value::Attrs(a) => {
                        out.push_str("{ ");
                        stack.push(Item::Text("}"));
                        for (k, x) in a.sorted_by_name().into_iter().rev() {
                            stack.push(Item::Text("; "));
                            stack.push(Item::Val(x.clone()));
                            let k = k.as_str();
                            let name = if crate::eval::print::is_plain_ident(k) {
                                k.to_string()
                            } else {
                                crate::eval::print::escape_string(k)
                            };
                            stack.push(Item::Owned(format!("{name} = ")));
                        }
                    }
                    Value::List(l) => {
                        out.push_str("[ ");
                        stack.push(Item::Text("]"));
                        for x in l.iter().rev() {
                            stack.push(Item::Text(" "));
                            stack.push(Item::Val(x.clone()));
                        }
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(before: &str, after: &str) -> ValueVerdict {
        let dir = tempfile::tempdir().unwrap();
        EvalOracle::default().compare(&dir.path().join("x.nix"), before, after)
    }

    #[test]
    fn same_value_despite_sharing() {
        let before = "let xs = [ 1 2 ]; in { a = [ ] ++ xs; b = xs ++ [ ]; }";
        let after = "let xs = [ 1 2 ]; in { a = xs; b = xs; }";
        assert_eq!(verdict(before, after), ValueVerdict::Same);
    }

    #[test]
    fn changed_value_is_reported() {
        let v = verdict("let x = 1; in x == true", "let x = 1; in x");
        assert!(
            matches!(&v, ValueVerdict::Changed(m) if m.contains("false became 1")),
            "{v:?}"
        );
        assert!(matches!(
            verdict("({ a }: a) { a = 1; }", "({ }: 1) { a = 1; }"),
            ValueVerdict::Changed(_)
        ));
    }

    #[test]
    fn functions_are_opaque_and_failures_unknown() {
        assert_eq!(verdict("x: x", "_x: 1"), ValueVerdict::Same);
        assert_eq!(
            verdict("builtins.getEnv \"HOME\" + import <nixpkgs>", "1"),
            ValueVerdict::Unknown
        );
        assert_eq!(verdict("throw \"no\"", "1"), ValueVerdict::Unknown);
    }
}
