"""Stage 2, annotations: the schema walk, anchoring of text-only spans, the checks, and validation of
annotation files into validated documents."""
