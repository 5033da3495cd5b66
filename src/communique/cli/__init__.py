"""The ``communique`` command: one module per command family plus the shared plumbing (formats, exit codes)."""
