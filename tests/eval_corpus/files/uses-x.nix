# Evaluated with `scopedImport { x = ...; }` by the corpus.
x + 1
