//! Paths "copied" to the store: where Nix copies a path to the store (a
//! path interpolated into a string, `builtins.path`, `filterSource`, a path
//! in a derivation's attributes), nixfold computes the store path the copy
//! would get (a `source` path of the NAR hash, named after the base name)
//! and writes nothing. Reads through such a store path go to the source.

use std::path::{Path, PathBuf};

use super::Evaluator;
use super::error::{EvalError, EvalResult, Span};
use crate::nixhash::nar;
use crate::nixhash::{HashAlgo, Ingestion, StorePath, make_fixed_output_path};

/// What to copy: the source, the store name and the entries left out.
pub(crate) struct Copy<'a> {
    pub source: &'a str,
    pub name: Option<&'a str>,
    /// Paths (anywhere below `source`) left out of the copy.
    pub excluded: Option<&'a rustc_hash::FxHashSet<PathBuf>>,
}

impl Evaluator {
    /// The store path of `source` copied to the store (cached per path, as
    /// Nix's `srcToStore`).
    pub(crate) fn copy_path_to_store(&mut self, source: &str, span: Span) -> EvalResult<String> {
        if let Some(s) = self.src_to_store.get(source) {
            return Ok(s.clone());
        }
        let s = self.copy_to_store(
            Copy {
                source,
                name: None,
                excluded: None,
            },
            span,
        )?;
        self.src_to_store.insert(source.to_string(), s.clone());
        Ok(s)
    }

    /// The store path of a copy (see [`Copy`]); no caching.
    pub(crate) fn copy_to_store(&mut self, c: Copy<'_>, span: Span) -> EvalResult<String> {
        // A store path given back (`"${./x}"` interpolated again) or a path
        // under one: the source it stands for.
        let source = self.unstore_path(c.source);
        let source = source.as_str();
        self.check_copyable(source, span)?;
        let base = Path::new(c.source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = c.name.unwrap_or(&base);
        if c.name.is_none() && name.ends_with(".drv") {
            return Err(EvalError::eval(
                "file names are not allowed to end in '.drv'",
                span,
            ));
        }
        let keep = |p: &Path| c.excluded.is_none_or(|x| !x.contains(p));
        let hash =
            nar::nar_hash_filtered(Path::new(source), &keep, HashAlgo::Sha256).map_err(|e| {
                EvalError::eval(
                    format!("while adding path '{source}' to the store: {e}"),
                    span,
                )
            })?;
        let sp = make_fixed_output_path(Ingestion::Recursive, &hash, name).map_err(|e| {
            EvalError::eval(
                format!("while adding path '{source}' to the store: {e}"),
                span,
            )
        })?;
        let abs = sp.to_absolute();
        self.store_to_src.insert(abs.clone(), source.to_string());
        Ok(abs)
    }

    /// A path that may be (or be inside) a store path computed by
    /// [`Self::copy_to_store`]: the corresponding source path; other paths
    /// unchanged.
    pub(crate) fn unstore_path(&self, p: &str) -> String {
        if self.store_to_src.is_empty() {
            return p.to_string();
        }
        let Ok((sp, rest)) = StorePath::parse_prefix(p) else {
            return p.to_string();
        };
        match self.store_to_src.get(&sp.to_absolute()) {
            Some(src) => format!("{src}{rest}"),
            None => p.to_string(),
        }
    }
}
