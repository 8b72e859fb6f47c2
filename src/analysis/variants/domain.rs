//! From facts to a variable's kinds and domain.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::flow::{Fact, FactKind, Part, Pred, Shape};

/// How the code uses a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Only tested for emptiness or a yes-word (`!= ""`, `== "1"`, `== "true"`).
    Flag,
    /// Compared against literals.
    Enum,
    /// Split on a separator; items tested or used as attribute names.
    List,
    /// Interpolated into a path.
    Path,
    /// Used as an attribute name.
    AttrName,
    /// Converted with `lib.toInt`.
    Number,
    /// Any string (HOME, USER, image tags).
    String,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Flag => "flag",
            Kind::Enum => "enum",
            Kind::List => "list",
            Kind::Path => "path",
            Kind::AttrName => "attr-name",
            Kind::Number => "number",
            Kind::String => "string",
        }
    }
}

/// Words that make a comparison a flag test.
const FLAG_WORDS: &[&str] = &["1", "true", "yes", "on", "0", "false", "no", "off"];

/// What the analysis knows about a variable's values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Domain {
    pub kinds: Vec<Kind>,
    /// The values that select distinct behaviour (sorted); for lists, the
    /// known items and aliases.
    pub values: Vec<String>,
    pub separator: Option<String>,
    /// Values mapped to a fixed list (`"full"` → all groups).
    pub aliases: Vec<(String, Vec<String>)>,
    /// Default-when-empty.
    pub default: Option<String>,
    /// Literals the raw value is compared with (incl. "").
    pub compared: Vec<String>,
    /// Known list items (tested, aliased, or attribute names).
    pub items: Vec<String>,
    /// Values the path interpolation can take (existing files or folders).
    pub paths: Vec<String>,
    /// Attribute names it may select, when every selection is from a known set.
    pub attr_keys: Option<Vec<String>>,
    /// Used as a free string somewhere (any value is meaningful).
    pub free: bool,
}

impl Domain {
    /// Why `value` is not one the code handles, with the known candidates
    /// (`None` when it is fine).
    pub fn reject(&self, value: &str) -> Option<Rejection> {
        if value.is_empty() {
            return None;
        }
        if self.kinds.contains(&Kind::Path) && !self.paths.is_empty() {
            if !self.paths.iter().any(|p| p == value) {
                return Some(Rejection {
                    bad: value.to_string(),
                    candidates: self.paths.clone(),
                    what: "no such file or folder exists for it",
                });
            }
            return None;
        }
        if self.kinds.contains(&Kind::List) {
            if self.aliases.iter().any(|(k, _)| k == value) {
                return None;
            }
            if self.items.is_empty() {
                return None;
            }
            let sep = self.separator.as_deref().unwrap_or(",");
            for item in super::flow::split_like_nix(sep, value) {
                if !self.items.contains(&item) {
                    let mut candidates = self.items.clone();
                    candidates.extend(
                        self.aliases
                            .iter()
                            .map(|(k, _)| k.clone())
                            .filter(|k| !k.is_empty()),
                    );
                    candidates.sort();
                    candidates.dedup();
                    return Some(Rejection {
                        bad: item,
                        candidates,
                        what: "the code never tests this item",
                    });
                }
            }
            return None;
        }
        if self.kinds.contains(&Kind::Number) && value.trim().parse::<i64>().is_err() {
            return Some(Rejection {
                bad: value.to_string(),
                candidates: Vec::new(),
                what: "`lib.toInt` rejects it",
            });
        }
        if self.free || self.kinds.contains(&Kind::Path) {
            return None;
        }
        if self.kinds.contains(&Kind::AttrName) {
            if let Some(keys) = &self.attr_keys
                && !keys.iter().any(|k| k == value)
            {
                return Some(Rejection {
                    bad: value.to_string(),
                    candidates: keys.clone(),
                    what: "no attribute of that name exists",
                });
            }
            return None;
        }
        if self.kinds.contains(&Kind::Enum) || self.kinds.contains(&Kind::Flag) {
            let tested: Vec<String> = self
                .compared
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect();
            // `!= ""` alone: any non-empty value means "on".
            if tested.is_empty() {
                return None;
            }
            if !tested.iter().any(|t| t == value) && self.default.as_deref() != Some(value) {
                return Some(Rejection {
                    bad: value.to_string(),
                    candidates: tested,
                    what: "the code never compares the variable with this value",
                });
            }
        }
        None
    }
}

/// A value the code does not handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The offending value (or list item).
    pub bad: String,
    pub candidates: Vec<String>,
    pub what: &'static str,
}

impl Rejection {
    /// The candidate closest to the bad value, if any is close.
    pub fn suggestion(&self) -> Option<&str> {
        closest(&self.bad, self.candidates.iter().map(String::as_str))
    }
}

/// The closest candidate by edit distance (at most 2/5 of the length, min 2).
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() * 2 / 5).max(2);
    candidates
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein with transpositions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Derive a variable's domain from its facts (and `maybeEnv` defaults).
pub fn domain(facts: &[&Fact], read_defaults: &[String]) -> Domain {
    let mut d = Domain::default();
    let mut compared: BTreeSet<String> = BTreeSet::new();
    let mut members: BTreeSet<String> = BTreeSet::new();
    let mut defaults: BTreeSet<String> = read_defaults.iter().cloned().collect();
    let mut paths: BTreeSet<String> = BTreeSet::new();
    let mut any_path = false;
    let mut attr_keys: Option<BTreeSet<String>> = None;
    let mut attr_open = false;
    let mut any_attr = false;
    let mut number = false;
    let mut list = false;
    let mut item_attr_keys: BTreeSet<String> = BTreeSet::new();
    for f in facts {
        match &f.kind {
            FactKind::Test(t) => {
                match &t.shape {
                    Shape::Raw { default } => {
                        if let Some(x) = default {
                            defaults.insert(x.clone());
                        }
                        compared.extend(t.literals());
                    }
                    Shape::Items(ls) | Shape::Item(ls) => {
                        list = true;
                        add_list_shape(&mut d, ls);
                        members.extend(t.literals());
                    }
                    _ => {}
                }
                if matches!(t.pred, Pred::Member(_)) {
                    list = true;
                }
            }
            FactKind::Split { sep, shape } => {
                list = true;
                if d.separator.is_none() {
                    d.separator = Some(sep.clone());
                }
                add_list_shape(&mut d, shape);
            }
            FactKind::AttrName { keys } => {
                any_attr = true;
                match keys {
                    Some(k) => {
                        attr_keys
                            .get_or_insert_with(BTreeSet::new)
                            .extend(k.iter().cloned());
                        item_attr_keys.extend(k.iter().cloned());
                    }
                    None => attr_open = true,
                }
            }
            FactKind::Path { dir, parts } => {
                any_path = true;
                for (v, _) in path_matches(dir, parts, &f.var) {
                    paths.insert(v);
                }
            }
            FactKind::Number => number = true,
            FactKind::Str => d.free = true,
            FactKind::Default(x) => {
                defaults.insert(x.clone());
            }
        }
    }
    let mut kinds = BTreeSet::new();
    let nonempty: Vec<String> = compared.iter().filter(|c| !c.is_empty()).cloned().collect();
    if list {
        kinds.insert(Kind::List);
        // Comparisons of the raw value are the aliases' tests.
    } else if !nonempty.is_empty() {
        if nonempty.iter().all(|v| FLAG_WORDS.contains(&v.as_str())) && defaults.is_empty() {
            kinds.insert(Kind::Flag);
        } else {
            kinds.insert(Kind::Enum);
        }
    } else if compared.contains("")
        && !d.free
        && !any_path
        && !any_attr
        && !number
        && defaults.is_empty()
    {
        kinds.insert(Kind::Flag);
    }
    if any_path {
        kinds.insert(Kind::Path);
    }
    if any_attr {
        kinds.insert(Kind::AttrName);
    }
    if number {
        kinds.insert(Kind::Number);
    }
    if kinds.is_empty() {
        kinds.insert(Kind::String);
    }
    let mut values: BTreeSet<String> = BTreeSet::new();
    if kinds.contains(&Kind::Flag) {
        if nonempty.is_empty() {
            values.insert("1".to_string());
        } else {
            values.extend(
                nonempty
                    .iter()
                    .filter(|v| !matches!(v.as_str(), "0" | "false" | "no" | "off"))
                    .cloned(),
            );
            if values.is_empty() {
                values.insert("1".to_string());
            }
        }
    }
    if kinds.contains(&Kind::Enum) {
        values.extend(nonempty.iter().cloned());
        values.extend(defaults.iter().cloned());
    }
    let mut items: BTreeSet<String> = members.clone();
    if list {
        for (k, l) in &d.aliases {
            if !k.is_empty() {
                values.insert(k.clone());
            }
            items.extend(l.iter().cloned());
        }
        items.extend(item_attr_keys.iter().cloned());
        values.extend(items.iter().cloned());
    }
    if any_path {
        values.extend(paths.iter().cloned());
    }
    if any_attr
        && let Some(k) = &attr_keys
        && !list
    {
        values.extend(k.iter().cloned());
    }
    if kinds.contains(&Kind::String) {
        values.extend(defaults.iter().cloned());
    }
    d.kinds = kinds.into_iter().collect();
    d.values = values.into_iter().filter(|v| !v.is_empty()).collect();
    d.default = defaults.into_iter().next();
    d.compared = compared.into_iter().collect();
    d.items = items.into_iter().filter(|v| !v.is_empty()).collect();
    d.paths = paths.into_iter().collect();
    d.attr_keys = if attr_open {
        None
    } else {
        attr_keys.map(|k| k.into_iter().collect())
    };
    d
}

fn add_list_shape(d: &mut Domain, ls: &super::flow::ListShape) {
    if d.separator.is_none() {
        d.separator = Some(ls.sep.clone());
    }
    for (k, l) in &ls.aliases {
        if !d.aliases.iter().any(|(x, _)| x == k) {
            d.aliases.push((k.clone(), l.clone()));
        }
    }
    if d.default.is_none() {
        d.default = ls.default.clone();
    }
}

/// The values of `var` for which the path `dir/parts` exists, with the
/// path (relative to `dir`) each names. Only one occurrence of the
/// variable and no other unknown part is supported.
pub fn path_matches(dir: &Path, parts: &[Part], var: &str) -> Vec<(String, String)> {
    let mut before = String::new();
    let mut after = String::new();
    let mut seen = false;
    for p in parts {
        match p {
            Part::Lit(s) => {
                if seen {
                    after.push_str(s)
                } else {
                    before.push_str(s)
                }
            }
            Part::Var(v) if v == var && !seen => seen = true,
            _ => return Vec::new(),
        }
    }
    if !seen
        || before.starts_with('/')
        || before.starts_with('~')
        || dir.is_absolute() && dir == Path::new("/")
    {
        return Vec::new();
    }
    // The component holding the variable: `prefix*suffix`.
    let (parent, comp_prefix) = match before.rfind('/') {
        Some(i) => (&before[..=i], &before[i + 1..]),
        None => ("", before.as_str()),
    };
    let (comp_suffix, rest) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after.as_str(), ""),
    };
    let base: PathBuf = super::flow::normalize(dir, if parent.is_empty() { "." } else { parent });
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') && !comp_prefix.starts_with('.') {
            continue;
        }
        let Some(mid) = name
            .strip_prefix(comp_prefix)
            .and_then(|m| m.strip_suffix(comp_suffix))
        else {
            continue;
        };
        if mid.is_empty() || mid.contains('/') {
            continue;
        }
        let full = base.join(&name).join(rest.trim_start_matches('/'));
        let full = if rest.is_empty() {
            base.join(&name)
        } else {
            full
        };
        if full.exists() {
            let rel = format!("{before}{mid}{after}");
            out.push((mid.to_string(), rel));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_values() {
        let c = ["kubernetes", "development", "extras", "essential"];
        assert_eq!(closest("kubernets", c.iter().copied()), Some("kubernetes"));
        assert_eq!(closest("dev", c.iter().copied()), None);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }

    #[test]
    fn path_domain_from_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hosts/laptop")).unwrap();
        std::fs::create_dir_all(dir.path().join("hosts/desktop")).unwrap();
        std::fs::create_dir_all(dir.path().join("hosts/empty")).unwrap();
        std::fs::write(dir.path().join("hosts/laptop/configuration.nix"), "{}").unwrap();
        std::fs::write(dir.path().join("hosts/desktop/configuration.nix"), "{}").unwrap();
        let parts = vec![
            Part::Lit("./hosts/".into()),
            Part::Var("H".into()),
            Part::Lit("/configuration.nix".into()),
        ];
        let m = path_matches(dir.path(), &parts, "H");
        assert_eq!(
            m,
            vec![
                (
                    "desktop".to_string(),
                    "./hosts/desktop/configuration.nix".to_string()
                ),
                (
                    "laptop".to_string(),
                    "./hosts/laptop/configuration.nix".to_string()
                )
            ]
        );
        let parts = vec![Part::Lit("./hosts/".into()), Part::Var("H".into())];
        assert_eq!(path_matches(dir.path(), &parts, "H").len(), 3);
    }
}
