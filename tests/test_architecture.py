"""The architecture in mlreport/__init__.py holds: imports go one way, and only the adapters know MkDocs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mlreport"

BASE = ("mlreport.problems", "mlreport.metrics", "mlreport.slugs", "mlreport.schema", "mlreport.config",
        "mlreport.cache_dir", "mlreport.git", "mlreport.templates", "mlreport.query", "mlreport.collector")
"""Modules every layer may use; they use only each other."""
LAYERS: dict[str, tuple[str, ...]] = {
    # module (or package) prefix: what, besides BASE and itself, it may import
    "mlreport.records": (),
    "mlreport.leaderboards": ("mlreport.records",),
    "mlreport.catalog": ("mlreport.records", "mlreport.leaderboards"),
    "mlreport.kpis": ("mlreport.records", "mlreport.catalog"),
    "mlreport.governance": ("mlreport.records",),
    "mlreport.validate": ("mlreport.records", "mlreport.catalog", "mlreport.governance", "mlreport.project",
                          "mlreport.site_folder"),
    "mlreport.history": ("mlreport.records",),
    "mlreport.record_texts": (),
    "mlreport.render": ("mlreport.records", "mlreport.leaderboards", "mlreport.catalog", "mlreport.kpis",
                        "mlreport.governance", "mlreport.history", "mlreport.record_texts"),
    "mlreport.diff": ("mlreport.records", "mlreport.leaderboards", "mlreport.catalog", "mlreport.kpis",
                      "mlreport.validate"),
    "mlreport.pipeline": ("mlreport.records", "mlreport.catalog", "mlreport.validate", "mlreport.history",
                          "mlreport.render", "mlreport.record_texts"),
    "mlreport.scaffold": ("mlreport.records",),
    "mlreport.project": ("mlreport.records",),
    "mlreport.site_remover": (),
    "mlreport.site_folder": ("mlreport.records", "mlreport.project", "mlreport.site_remover"),
    "mlreport.ci": (),
    "mlreport.results": ("mlreport.records",),
    "mlreport.page_cache": (),
    "mlreport.site_manifest": ("mlreport.site_folder", "mlreport.site_remover"),
    "mlreport.build_inputs": ("mlreport.records", "mlreport.site_folder"),
    "mlreport.preview_changes": ("mlreport.records", "mlreport.catalog", "mlreport.render"),
    "mlreport.importers": ("mlreport.records", "mlreport.scaffold", "mlreport.catalog", "mlreport.validate",
                           "mlreport.render"),
}
ADAPTERS = ("mlreport.plugin", "mlreport.theme_shell", "mlreport.build", "mlreport.serve", "mlreport.preview_server",
            "mlreport.cli", "mlreport.__main__")
"""The only modules that may import MkDocs (and Material)."""
ENGINE = ("mkdocs", "material")


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """The modules a module imports, absolute (relative imports resolved), wherever the import sits."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _layer(name: str) -> str | None:
    return next((prefix for prefix in sorted(LAYERS, key=len, reverse=True) if _within(name, (prefix,))), None)


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_go_one_way(name: str) -> None:
    own = modules()
    used = {module for module in imports(own[name], name) if module in own or module.rpartition(".")[0] in own}
    used = {module if module in own else module.rpartition(".")[0] for module in used} - {"mlreport", name}
    if name in ADAPTERS or name == "mlreport":
        return
    if _within(name, BASE):
        allowed = BASE
    else:
        layer = _layer(name)
        assert layer is not None, f"{name} is in no layer: add it to tests/test_architecture.py and the docstring"
        allowed = BASE + (layer,) + LAYERS[layer]
    wrong = sorted(module for module in used if not _within(module, allowed))
    assert not wrong, f"{name} imports {wrong}, above its layer"


@pytest.mark.parametrize("name", sorted(set(modules()) - set(ADAPTERS)))
def test_only_the_adapters_import_the_engine(name: str) -> None:
    engine = sorted(module for module in imports(modules()[name], name) if _within(module, ENGINE))
    assert not engine, f"{name} imports {engine}: only {', '.join(ADAPTERS)} may"


def test_the_core_imports_without_mkdocs() -> None:
    code = ("import sys, mlreport.records, mlreport.catalog, mlreport.render, mlreport.history, mlreport.diff, "
            "mlreport.pipeline; print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_docstring_names_every_layer() -> None:
    import mlreport

    for name in [*LAYERS, *ADAPTERS[:-1]]:
        short = name.removeprefix("mlreport.")
        assert short in mlreport.__doc__, f"mlreport/__init__.py's docstring does not place {short}"
