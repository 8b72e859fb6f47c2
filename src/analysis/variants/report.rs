//! The `nixfold variants` document: `{"env":[...],"outputs":[...],"variants":[...]}`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::VariantAnalysis;
use crate::project::Project;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub env: Vec<EnvEntry>,
    pub outputs: Vec<OutputEntry>,
    pub variants: Vec<VariantEntry>,
    /// The build matrix: what `nixfold emit` generates, per variant and system.
    pub builds: Vec<BuildEntry>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BuildEntry {
    pub name: String,
    pub system: String,
    pub kind: String,
    /// The flake output.
    pub output: String,
    /// The attribute that is the derivation (`….config.system.build.toplevel`).
    pub derivation: String,
    /// `checks.<system>.<name>`.
    pub check: String,
    /// The declared variant's source output.
    pub source: Option<String>,
    /// Docker image reference (images).
    pub image: Option<String>,
    /// Whether the output exists yet (declared variants: after `nixfold
    /// migrate`; home configurations: after `nixfold emit`).
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EnvEntry {
    /// The variable; for a read whose name is not a literal, the name
    /// expression as written (with kind `dynamic`).
    pub name: String,
    pub reads: Vec<ReadEntry>,
    pub kinds: Vec<String>,
    pub values: Vec<String>,
    pub separator: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadEntry {
    /// Relative to the analysed directory, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutputEntry {
    pub attr: String,
    pub env: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VariantEntry {
    pub output: String,
    pub name: String,
    pub env: BTreeMap<String, String>,
}

fn slash(p: &std::path::Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Build the report.
pub fn report(an: &VariantAnalysis, project: &Project) -> Report {
    let read = |site: &super::Site| {
        let f = &project.files[site.file];
        let lc = f.line_col(site.range.start());
        ReadEntry {
            file: slash(&an.rel(&f.path)),
            line: lc.line,
            column: lc.col,
        }
    };
    let mut env: Vec<EnvEntry> = an
        .env
        .iter()
        .map(|v| EnvEntry {
            name: v.name.clone(),
            reads: v.reads.iter().map(read).collect(),
            kinds: v
                .domain
                .kinds
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            values: v.domain.values.clone(),
            separator: v.domain.separator.clone(),
        })
        .collect();
    // Dynamic reads, grouped by the name expression.
    let mut dynamic: BTreeMap<String, Vec<ReadEntry>> = BTreeMap::new();
    for site in &an.dynamic_reads {
        let f = &project.files[site.file];
        let call = &f.text[site.range];
        // The argument text: what follows the function.
        let name = dynamic_name(call);
        dynamic.entry(name).or_default().push(read(site));
    }
    for (name, reads) in dynamic {
        env.push(EnvEntry {
            name,
            reads,
            kinds: vec!["dynamic".to_string()],
            values: Vec::new(),
            separator: None,
        });
    }
    let outputs = an
        .outputs
        .outputs
        .iter()
        .map(|o| OutputEntry {
            attr: o.dotted(),
            env: o.env.iter().cloned().collect(),
        })
        .collect();
    let variants = an
        .variants
        .iter()
        .map(|v| VariantEntry {
            output: v.output.clone(),
            name: v.name.clone(),
            env: v.env.clone(),
        })
        .collect();
    let builds = an
        .builds
        .iter()
        .map(|b| BuildEntry {
            name: b.name.clone(),
            system: b.system.clone(),
            kind: b.kind.as_str().to_string(),
            output: b.output.clone(),
            derivation: b.derivation.clone(),
            check: b.check_attr(),
            source: b.source.clone(),
            image: b.image.clone(),
            exists: b.exists,
        })
        .collect();
    Report {
        env,
        outputs,
        variants,
        builds,
    }
}

/// `builtins.getEnv (prefix + name)` → `(prefix + name)`.
fn dynamic_name(call: &str) -> String {
    let parsed = crate::syntax::parse(call);
    use crate::syntax::{AstNode, ast};
    parsed
        .syntax()
        .descendants()
        .find_map(ast::Apply::cast)
        .and_then(|a| a.argument())
        .map(|a| a.syntax().text().to_string())
        .unwrap_or_else(|| call.to_string())
}
