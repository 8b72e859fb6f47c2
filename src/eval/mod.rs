//! The lazy Nix evaluator with symbolic (unknown) values.
