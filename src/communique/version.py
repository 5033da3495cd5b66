"""The version of communique: the ground floor of the package (it imports nothing).

Defined here once; setuptools reads it (``pyproject.toml``), the package root re-exports it, and every module
that needs it imports it from here, never from the package root.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
