"""The package's layering, read from its imports with ``ast`` (nothing is imported or run).

The map of allowed imports (issue 18, :data:`ALLOWED`)::

    version < schema < io < corpus < annotate < {formats, compare} < {bench, review, extract, export, synth}
    < api < cli

A layer imports its own modules and the layers the map allows it, nothing else: nothing from a higher layer,
nothing from a sibling (bench, review, extract, export and synth share only through compare/ and formats/),
and nothing from the package root (``communique/__init__.py`` re-exports the API and the version: importing
it from below runs back up). No module imports a ``_private`` name (or module) from another folder, and schema
generation (``schema/generate.py`` and everything it imports) stays inside ``schema/``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "communique"

_STAGES = frozenset({"version", "schema", "io", "corpus", "annotate"})
_SHARED = _STAGES | {"formats", "compare"}
_SIBLINGS = frozenset({"bench", "review", "extract", "export", "synth"})
#: layer -> the other layers it may import (every layer may import its own modules)
ALLOWED: dict[str, frozenset[str]] = {
    "version": frozenset(),
    "schema": frozenset({"version"}),
    "io": frozenset({"version", "schema"}),
    "corpus": frozenset({"version", "schema", "io"}),
    "annotate": frozenset({"version", "schema", "io", "corpus"}),
    "formats": _STAGES,  # formats and compare are siblings: neither imports the other
    "compare": _STAGES,
    "bench": _SHARED,  # the five stages are siblings: each imports compare/formats and below, never another
    "review": _SHARED,
    "extract": _SHARED,
    "export": _SHARED,
    "synth": _SHARED,
    "api": _SHARED | _SIBLINGS,
    "cli": _SHARED | _SIBLINGS | {"api"},
}
LAYERS = tuple(ALLOWED)
#: the package root: it sits above everything (it re-exports the API), so nothing below imports it
ROOT_MODULES = frozenset({"communique", "communique.__main__"})


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted (communique.bench.scoring)
    target: str  # the imported module, dotted (communique.schema.errors)
    names: tuple[str, ...]  # the names taken from it (``from target import names``); empty for ``import target``
    line: int


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(package: Path) -> list[Import]:
    """Every import of the package's own modules, at any depth (lazy imports inside functions included)."""
    top = package.name
    found: list[Import] = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [Import(module, a.name, (), node.lineno) for a in node.names if a.name.split(".")[0] == top]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against the importing module's package
                    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                if target.split(".")[0] == top:
                    found.append(Import(module, target, tuple(a.name for a in node.names), node.lineno))
    return found


def layer(module: str) -> str | None:
    """The stage folder (or ``version``, ``api``, ``cli``) a dotted module belongs to; None for the package root
    (``communique`` itself and ``communique.__main__``)."""
    if module in ROOT_MODULES:
        return None
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def layering_violations(imports: list[Import]) -> list[str]:
    """Every import the map does not allow: of the package root from below, of a higher layer, of a sibling."""
    problems = []
    for imp in imports:
        source, target = layer(imp.module), layer(imp.target)
        if source is None or source == target:
            continue  # the package root sits above everything; a layer uses its own modules
        if target is None:
            problems.append(f"{imp.module}:{imp.line} imports {sorted(imp.names)} from the package root")
        elif target not in ALLOWED.get(source, frozenset()):
            how = "unmapped" if target not in ALLOWED else "sibling" if ALLOWED[target] == ALLOWED[source] else "higher"
            problems.append(f"{imp.module}:{imp.line}: layer {source!r} imports {imp.target} from {how} {target!r}")
    return problems


def private_violations(imports: list[Import]) -> list[str]:
    problems = []
    for imp in imports:
        if layer(imp.module) == layer(imp.target):
            continue
        private = [p for p in imp.target.split(".") if p.startswith("_") and not p.startswith("__")]
        private += [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
        if private:
            problems.append(f"{imp.module}:{imp.line} imports private {private} from {imp.target}")
    return problems


def reachable(start: str, imports: list[Import]) -> set[str]:
    """The package's modules that ``start`` imports, directly or through others (submodules named in
    ``from package import submodule`` included)."""
    by_module: dict[str, set[str]] = {}
    for imp in imports:
        targets = by_module.setdefault(imp.module, set())
        targets.add(imp.target)
        targets.update(f"{imp.target}.{n}" for n in imp.names)  # may name a submodule; harmless if not
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        for target in by_module.get(current, ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def known_modules(package: Path) -> set[str]:
    return {module_name(p, package) for p in package.rglob("*.py")}


IMPORTS = read_imports(PACKAGE)


def test_the_package_has_imports_to_check():
    modules = known_modules(PACKAGE)
    assert len(IMPORTS) > 50 and len(modules) > 40
    assert {layer(m) for m in modules} >= set(LAYERS)


def test_every_folder_is_a_known_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders, "no stage folders found"
    assert folders <= set(LAYERS), f"add {sorted(folders - set(LAYERS))} to ALLOWED (and to CONTRIBUTING.md)"
    # a module at the top (version.py, api.py) is a layer of its own, and in the map too
    layers = {layer(m) for m in known_modules(PACKAGE)} - {None}
    assert layers <= set(LAYERS), f"add {sorted(layers - set(LAYERS))} to ALLOWED (and to CONTRIBUTING.md)"


def test_the_map_is_the_decided_order():
    """Lower layers are allowed to strictly fewer layers, siblings to the same ones, and nothing allows itself
    or a layer that allows it back: the map is an order, with version at the ground floor and cli on top."""
    assert ALLOWED["version"] == frozenset() and ALLOWED["cli"] == set(LAYERS) - {"cli"}
    for source, allowed in ALLOWED.items():
        assert source not in allowed and allowed <= set(LAYERS)
        for target in allowed:
            assert source not in ALLOWED[target] and ALLOWED[target] < allowed, (source, target)
    assert ALLOWED["formats"] == ALLOWED["compare"] and "formats" not in ALLOWED["compare"]
    stages = ("bench", "review", "extract", "export", "synth")
    assert len({ALLOWED[s] for s in stages}) == 1 and not set(stages) & ALLOWED["bench"]


def test_layers_import_downward_only():
    assert layering_violations(IMPORTS) == []


def test_no_private_names_across_folders():
    assert private_violations(IMPORTS) == []


def test_schema_generation_stays_inside_schema():
    used = reachable("communique.schema.generate", IMPORTS) & known_modules(PACKAGE)
    assert used, "schema/generate.py imports nothing from schema/: the test no longer sees its imports"
    assert {m for m in used if layer(m) != "schema"} == set()


# -- the checks themselves must be able to fail: a small package written for the test --

BAD_PACKAGE = {
    "__init__.py": "from communique.version import __version__\n",
    "version.py": "__version__ = '0'\n",
    "schema/__init__.py": "",
    "schema/models.py": "from communique.io.parse import read\nfrom communique.version import __version__\n",  # upward
    "schema/generate.py": "from communique.schema import models\n",  # reaches io/ through models
    "io/__init__.py": "",
    "io/parse.py": "from communique.schema.models import _hidden\n",
    "corpus/__init__.py": "",
    "corpus/_store.py": "",
    "corpus/build.py": "from communique import __version__\nimport communique.io._read\n",  # the root, even for this
    "compare/__init__.py": "",
    "compare/matching.py": "from communique.formats.html import draw\n",  # a sibling
    "formats/__init__.py": "",
    "formats/html.py": "from communique.corpus.build import x\nfrom . import brat\n",  # fine
    "bench/__init__.py": "",
    "bench/scoring.py": "from communique.compare.matching import match\nfrom .. import api\n",  # fine; the root
    "review/__init__.py": "",
    "review/report.py": "from communique.bench.scoring import score\n",  # a sibling
    "cli/__init__.py": "",
    "cli/main.py": "def f():\n    from communique.schema.models import Model\n    from . import common\n",
    "cli/common.py": "from .._private import x\n",  # a module in no layer of the map
}


@pytest.fixture
def bad_package(tmp_path: Path) -> Path:
    package = tmp_path / "communique"
    for name, text in BAD_PACKAGE.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_the_checks_catch_planted_violations(bad_package: Path):
    imports = read_imports(bad_package)
    layering = layering_violations(imports)
    assert sorted(layering) == [
        "communique.bench.scoring:2 imports ['api'] from the package root",  # relative, resolved
        "communique.cli.common:1: layer 'cli' imports communique._private from unmapped '_private'",
        "communique.compare.matching:1: layer 'compare' imports communique.formats.html from sibling 'formats'",
        "communique.corpus.build:1 imports ['__version__'] from the package root",  # the version has its module
        "communique.review.report:1: layer 'review' imports communique.bench.scoring from sibling 'bench'",
        "communique.schema.models:1: layer 'schema' imports communique.io.parse from higher 'io'",
    ]
    private = private_violations(imports)
    assert len(private) == 3, private
    assert any("['_hidden']" in p for p in private) and any("['_read']" in p for p in private)
    assert any("communique.cli.common" in p and "['_private']" in p for p in private)  # relative, resolved
    assert "communique.io.parse" in reachable("communique.schema.generate", imports)


def test_relative_imports_resolve_against_their_package(bad_package: Path):
    targets = {(i.module, i.target) for i in read_imports(bad_package)}
    assert ("communique.cli.main", "communique.cli") in targets
    assert ("communique.cli.main", "communique.schema.models") in targets  # lazy, inside a function
