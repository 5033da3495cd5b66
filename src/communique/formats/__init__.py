"""One module per outside tool or format: what communique reads from it and writes for it."""
