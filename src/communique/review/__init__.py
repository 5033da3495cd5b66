"""Review tools over validated documents: the agreement report between annotation passes (``report.py``).

The comparison itself is :mod:`communique.compare.agreement`, the counts :mod:`communique.annotate.stats`, the
HTML page :mod:`communique.formats.html`.
"""
