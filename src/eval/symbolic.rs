//! Symbolic (unknown) values for partial evaluation.
//!
//! An [`Unknown`] stands for a value the evaluator cannot know — `pkgs`,
//! `config`, a flake input, an environment variable — and remembers how it
//! was derived (its provenance). Operations on unknowns give new unknowns;
//! `if` on an unknown condition keeps both branches; comparisons of an
//! unknown with a known value are recorded as [`Observation`]s, from which
//! variant analysis learns the values a variable is compared against.

use std::rc::Rc;

use super::error::Span;
use super::value::Value;

/// A symbolic value.
#[derive(Debug)]
pub struct Unknown {
    pub kind: UnknownKind,
}

/// How an unknown came about.
#[derive(Debug)]
pub enum UnknownKind {
    /// A name bound to an unknown by the caller (`pkgs`, `config`,
    /// `env:NIXOS_PACKAGES`, …).
    Root(String),
    /// `u.name`.
    Select(Rc<Unknown>, String),
    /// `u arg`.
    Apply(Rc<Unknown>, Value),
    /// A binary operation with at least one unknown operand.
    Op(&'static str, Value, Value),
    /// `!u`.
    Not(Rc<Unknown>),
    /// The result of a built-in whose argument was unknown.
    Builtin(&'static str, Rc<Unknown>),
    /// A string interpolating an unknown.
    Interpolation(Rc<Unknown>),
    /// `if cond then a else b` with an unknown condition; both branches are
    /// kept (as lazy values).
    Cond {
        cond: Rc<Unknown>,
        then: Value,
        else_: Value,
    },
}

impl Unknown {
    pub fn new(kind: UnknownKind) -> Rc<Unknown> {
        Rc::new(Unknown { kind })
    }

    /// A root unknown.
    pub fn root(name: impl Into<String>) -> Rc<Unknown> {
        Unknown::new(UnknownKind::Root(name.into()))
    }

    /// A root unknown wrapped as a value.
    pub fn value(name: impl Into<String>) -> Value {
        Value::Unknown(Unknown::root(name))
    }

    /// The two branches of an `if` on an unknown condition (lazy values;
    /// force them with [`super::Evaluator::force`]).
    pub fn branches(&self) -> Option<(&Rc<Unknown>, &Value, &Value)> {
        match &self.kind {
            UnknownKind::Cond { cond, then, else_ } => Some((cond, then, else_)),
            _ => None,
        }
    }

    /// The root name this unknown derives from (`pkgs` for
    /// `pkgs.stdenv.mkDerivation(...)`), if it has a single root.
    pub fn root_name(&self) -> Option<&str> {
        match &self.kind {
            UnknownKind::Root(n) => Some(n),
            UnknownKind::Select(u, _)
            | UnknownKind::Apply(u, _)
            | UnknownKind::Not(u)
            | UnknownKind::Builtin(_, u)
            | UnknownKind::Interpolation(u) => u.root_name(),
            UnknownKind::Cond { cond, .. } => cond.root_name(),
            UnknownKind::Op(_, a, b) => match (a, b) {
                (Value::Unknown(u), _) | (_, Value::Unknown(u)) => u.root_name(),
                _ => None,
            },
        }
    }

    /// Human-readable provenance: `pkgs.kubectl`,
    /// `pkgs.stdenv.mkDerivation(...)`, `env:NIXOS_PACKAGES`.
    pub fn provenance(&self) -> String {
        let mut s = String::new();
        self.write_provenance(&mut s, 0);
        s
    }

    fn write_provenance(&self, out: &mut String, depth: usize) {
        if depth > 32 {
            out.push('…');
            return;
        }
        match &self.kind {
            UnknownKind::Root(n) => out.push_str(n),
            UnknownKind::Select(u, a) => {
                u.write_provenance(out, depth + 1);
                out.push('.');
                if super::print::is_plain_ident(a) {
                    out.push_str(a);
                } else {
                    out.push_str(&super::print::escape_string(a));
                }
            }
            UnknownKind::Apply(u, _) => {
                u.write_provenance(out, depth + 1);
                out.push_str("(...)");
            }
            UnknownKind::Op(op, a, b) => {
                out.push('(');
                write_operand(out, a, depth);
                out.push(' ');
                out.push_str(op);
                out.push(' ');
                write_operand(out, b, depth);
                out.push(')');
            }
            UnknownKind::Not(u) => {
                out.push('!');
                u.write_provenance(out, depth + 1);
            }
            UnknownKind::Builtin(name, u) => {
                out.push_str("builtins.");
                out.push_str(name);
                out.push('(');
                u.write_provenance(out, depth + 1);
                out.push(')');
            }
            UnknownKind::Interpolation(u) => {
                out.push_str("\"${");
                u.write_provenance(out, depth + 1);
                out.push_str("}\"");
            }
            UnknownKind::Cond { cond, .. } => {
                out.push_str("if ");
                cond.write_provenance(out, depth + 1);
                out.push_str(" then … else …");
            }
        }
    }
}

fn write_operand(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Unknown(u) => u.write_provenance(out, depth + 1),
        Value::Thunk(_) => out.push('…'),
        v => out.push_str(&super::print::print_value(v, false)),
    }
}

/// A comparison between an unknown and a known value, seen during
/// evaluation.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The unknown side.
    pub subject: Rc<Unknown>,
    /// `==`, `!=`, `<`, `<=`, `>`, `>=` (with the unknown on the left),
    /// `elem` (the known side is the list searched), `contains` (the
    /// unknown is a list searched for the known side) or `split` (the
    /// unknown string is split by the known regular expression).
    pub op: &'static str,
    /// The known side.
    pub literal: Value,
    /// Where the comparison happened.
    pub span: Span,
}
