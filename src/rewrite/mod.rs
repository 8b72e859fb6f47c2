//! Applying edits to source text: fix loops, atomic writes, migrations.
