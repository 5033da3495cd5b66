"""The annotation guidelines that travel with the package: ``communique guidelines`` prints them, ``communique
init`` puts them in every new project, and drafts say where to find them.

One source of truth: ``annotations/GUIDELINES.md`` of the repository. The package's ``schema/GUIDELINES.md`` is
a symbolic link to it, which the package build copies as a regular file into the sdist and the wheel; so
updating that one file (say, to version 2.1) updates what is shipped, printed and copied. The version is read
from the file's first heading (``# communique annotation guidelines, version 2.0``), never written twice.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

__all__ = ["GUIDELINES_NAME", "PRINT_COMMAND", "guidelines_text", "guidelines_version"]

#: the file name, in the package and in a project's annotations folder (``annotations/GUIDELINES.md``)
GUIDELINES_NAME = "GUIDELINES.md"
#: what a message names when a project holds no copy of the guidelines: the command that prints them
PRINT_COMMAND = "`communique guidelines`"
_TITLE = re.compile(r"\A# communique annotation guidelines, version (\d+\.\d+)\s*\n")


@cache
def guidelines_text() -> str:
    """The guidelines shipped with this version of communique, as Markdown."""
    return (resources.files("communique.schema") / GUIDELINES_NAME).read_text(encoding="utf-8")


def guidelines_version(text: str | None = None) -> str:
    """The version in the first heading of ``text`` (default: the shipped guidelines), e.g. ``"2.0"``.

    Raises ``ValueError`` when the heading is missing: the shipped file always has it (a test checks), and a
    file that lacks it is not the guidelines."""
    found = _TITLE.match(guidelines_text() if text is None else text)
    if found is None:
        raise ValueError("the guidelines do not start with '# communique annotation guidelines, version X.Y'")
    return found[1]
