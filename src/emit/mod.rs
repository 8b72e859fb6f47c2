//! Per-variant outputs for CI matrices (later).
