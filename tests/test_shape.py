"""The shape stays readable: no product module past 500 lines, and the README's map names every module."""
from __future__ import annotations

import ast
import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500
# A map line inside a README code block: `path/to/module.py  what it holds`.
MAP_LINE = re.compile(r"^\s*([\w./-]+\.py)(?:\s+(.*))?$")
# Generated migration scripts are data for alembic, not modules anyone reads to find their way.
UNMAPPED = ("scheduler/store/migrations/",)


def _packages() -> list[str]:
    """The product's top-level packages, as pyproject.toml ships them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return sorted(name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"])


def _product_modules() -> list[Path]:
    """Every Python file of the product packages, relative to the repository root."""
    return sorted(path.relative_to(ROOT) for package in _packages() for path in (ROOT / package).rglob("*.py")
                  if "__pycache__" not in path.parts)


def _only_reexports(path: Path) -> bool:
    """True for an __init__.py that holds only a docstring, imports and __all__ (nothing to describe)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        return False
    return True


def _mapped_modules(readme: str) -> dict[str, str]:
    """Module paths listed one a line in the README's code blocks, with their descriptions."""
    mapped: dict[str, str] = {}
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", readme, flags=re.S | re.M):
        for line in block.splitlines():
            if match := MAP_LINE.match(line):
                mapped[match.group(1)] = (match.group(2) or "").strip()
    return mapped


def test_the_product_packages_are_found():
    modules = _product_modules()
    assert {"scheduler/runtime.py", "api/app.py", "cli/main.py"} <= {m.as_posix() for m in modules}


def test_no_product_module_is_over_500_lines():
    sizes = {m.as_posix(): len((ROOT / m).read_text(encoding="utf-8").splitlines()) for m in _product_modules()}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}, f"split modules past {MAX_LINES} lines"


def test_the_readme_architecture_map_lists_every_module_and_only_those():
    mapped = _mapped_modules((ROOT / "README.md").read_text(encoding="utf-8"))
    if not mapped:
        problem = "README.md has no architecture map yet (a code block with one `path/to/module.py  description` a line)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (and CI=true)")
        pytest.skip(problem)
    present = {m.as_posix() for m in _product_modules()
               if not m.as_posix().startswith(UNMAPPED) and not (m.name == "__init__.py" and _only_reexports(m))}
    missing = sorted(present - set(mapped))
    stale = sorted(set(mapped) - {m.as_posix() for m in _product_modules()})
    undescribed = sorted(path for path, text in mapped.items() if path in present and not text)
    assert missing == [], "add to the README map:\n" + "\n".join(f"{path}  ..." for path in missing)
    assert stale == [], "the README map names modules that are gone"
    assert undescribed == [], "give each mapped module a description"


def test_the_map_reader_reads_the_documented_format():
    readme = "\n".join([
        "Intro `scheduler/runtime.py` in prose is not the map.", "", "```",
        "scheduler/catalog/personas.py   personas: owner, stage, phrase",
        "  api/app.py  the FastAPI app",
        "cli/main.py", "api/         a folder line is not a module", "```",
    ])
    assert _mapped_modules(readme) == {
        "scheduler/catalog/personas.py": "personas: owner, stage, phrase", "api/app.py": "the FastAPI app", "cli/main.py": "",
    }
