"""Review tools over validated documents: agreement between annotation passes, statistics, HTML rendering."""
