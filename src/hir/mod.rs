//! Scopes and name resolution over the syntax tree.
