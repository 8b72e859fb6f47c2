//! Shared by the fuzz targets: evaluation under limits.

use std::path::Path;

use nixfold::eval::{ErrorKind, EvalOptions, Evaluator, print_value};

/// Where the fuzzed expressions "are": a directory that does not exist, in
/// pure mode, so no file is ever read.
pub const ROOT: &str = "/nonexistent-nixfold-fuzz";

/// What `text` evaluates to (printed strictly), `Err(true)` if it hit a
/// limit, `Err(false)` on an evaluation error.
pub fn eval(text: &str) -> Result<String, bool> {
    let opts = EvalOptions {
        pure: true,
        root: Some(ROOT.into()),
        max_steps: 200_000,
        max_memory: 64 << 20,
        max_depth: 10_000,
        ..EvalOptions::default()
    };
    let mut ev = Evaluator::new(opts);
    ev.set_trace_sink(Box::new(|_| {}));
    let r = ev
        .eval_expr_str(text, Path::new(ROOT))
        .and_then(|v| ev.force_deep(&v).map(|()| v));
    match r {
        Ok(v) => Ok(print_value(&v, true)),
        Err(e) => Err(matches!(e.kind(), ErrorKind::Limit)),
    }
}
