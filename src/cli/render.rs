//! Output formats for diagnostics.

use crate::diagnostics::Diagnostic;
use crate::project::Project;

pub fn human(_project: &Project, diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        s.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            d.path.display(),
            d.start.line,
            d.start.col,
            d.severity.as_str(),
            d.name,
            d.message
        ));
    }
    s
}

pub fn json(diags: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "diagnostics": diags }))
        .unwrap()
        + "\n"
}
