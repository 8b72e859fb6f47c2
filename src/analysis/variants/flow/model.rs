//! The vocabulary of the flow analysis: flows, shapes, tests, facts.

use super::*;

/// A piece of a string or path built from a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Lit(String),
    /// The variable's value (after default-when-empty substitution).
    Var(String),
    /// Something else not known statically.
    Unknown,
}

/// What an expression holds, relative to one variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The value itself; `default` replaces "".
    Raw { default: Option<String> },
    /// The list obtained by splitting the value.
    Items(ListShape),
    /// One element of that list.
    Item(ListShape),
    /// A string built by interpolation or `+`.
    Derived(Vec<Part>),
    /// A path built from the value: the file's directory joined with parts.
    PathT { dir: PathBuf, parts: Vec<Part> },
    /// `lib.toInt` of the value.
    Number,
}

/// How a list variable is turned into items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ListShape {
    pub sep: String,
    /// Values the code maps to a fixed list instead of splitting
    /// (`if p == "full" then [ ... ] else lib.splitString "," p`).
    pub aliases: Vec<(String, Vec<String>)>,
    /// Default-when-empty applied before splitting.
    pub default: Option<String>,
}

impl ListShape {
    /// The items of `value` as the code computes them.
    pub fn items(&self, value: &str) -> Vec<String> {
        if let Some((_, l)) = self.aliases.iter().find(|(k, _)| k == value) {
            return l.clone();
        }
        let v = match (&self.default, value) {
            (Some(d), "") => d.as_str(),
            _ => value,
        };
        split_like_nix(&self.sep, v)
    }
}

/// `lib.splitString sep v` for a literal separator; a regex character class
/// such as `[, ]` (as given to `builtins.split`) splits on any of its characters.
pub fn split_like_nix(sep: &str, v: &str) -> Vec<String> {
    if sep.is_empty() {
        return vec![v.to_string()];
    }
    if sep.len() > 2 && sep.starts_with('[') && sep.ends_with(']') && !sep.starts_with("[^") {
        let set: Vec<char> = sep[1..sep.len() - 1].chars().collect();
        return v.split(|c| set.contains(&c)).map(str::to_string).collect();
    }
    let literal: String = sep.replace('\\', "");
    v.split(literal.as_str()).map(str::to_string).collect()
}

/// A variable's value flowing into an expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flow {
    pub var: String,
    pub shape: Shape,
}

/// A test on a variable's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pred {
    /// `v == "lit"` (on the raw value, default applied).
    Eq(String),
    /// `elem v [ ... ]`.
    OneOf(Vec<String>),
    /// `elem "lit" items`, `any (x: x == "lit") items`, `includeGroup "lit"`.
    Member(String),
}

/// A boolean test the code performs on a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Test {
    pub var: String,
    pub shape: Shape,
    pub pred: Pred,
    /// False when the expression is true iff the predicate is false (`!=`, `!`).
    pub positive: bool,
}

impl Test {
    /// The test's outcome when the environment holds `value` for the variable.
    pub fn eval(&self, value: &str) -> bool {
        let r = match (&self.shape, &self.pred) {
            (Shape::Raw { default }, Pred::Eq(l)) => raw(default, value) == l,
            (Shape::Raw { default }, Pred::OneOf(ls)) => {
                ls.iter().any(|l| l == raw(default, value))
            }
            (Shape::Items(ls) | Shape::Item(ls), Pred::Member(l)) => ls.items(value).contains(l),
            (Shape::Items(ls) | Shape::Item(ls), Pred::Eq(l)) => ls.items(value).contains(l),
            _ => false,
        };
        r == self.positive
    }

    /// The literal values the test mentions.
    pub fn literals(&self) -> Vec<String> {
        match &self.pred {
            Pred::Eq(l) | Pred::Member(l) => vec![l.clone()],
            Pred::OneOf(ls) => ls.clone(),
        }
    }

    pub(super) fn negated(mut self) -> Self {
        self.positive = !self.positive;
        self
    }
}

pub(super) fn raw<'a>(default: &'a Option<String>, value: &'a str) -> &'a str {
    match default {
        Some(d) if value.is_empty() => d,
        _ => value,
    }
}

/// A site in a Nix file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Site {
    pub file: usize,
    pub range: TextRange,
}

/// Something the code does with a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FactKind {
    Test(Test),
    /// Split into a list on `sep`.
    Split {
        sep: String,
        shape: ListShape,
    },
    /// Used as an attribute name; `keys` are the names available where it
    /// selects from a literal attribute set.
    AttrName {
        keys: Option<Vec<String>>,
    },
    /// Interpolated into a path: the directory and parts.
    Path {
        dir: PathBuf,
        parts: Vec<Part>,
    },
    /// Converted to a number.
    Number,
    /// Used as a plain string value.
    Str,
    /// Seen with this default-when-empty (`if v == "" then "d" else v`).
    Default(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fact {
    pub var: String,
    pub kind: FactKind,
    pub site: Site,
}

/// A branch chosen by a test: which code runs when it holds, and which when not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Branch {
    pub test: Test,
    /// The condition.
    pub site: Site,
    /// Taken when the test holds.
    pub then_range: Option<TextRange>,
    /// Taken when it does not.
    pub else_range: Option<TextRange>,
}

/// One environment read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// `None`: the name is not a literal.
    pub var: Option<String>,
    pub site: Site,
    /// Default given with `lib.maybeEnv`.
    pub default: Option<String>,
}

/// Everything the syntactic analysis found.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub reads: Vec<Read>,
    pub facts: Vec<Fact>,
    pub branches: Vec<Branch>,
}
