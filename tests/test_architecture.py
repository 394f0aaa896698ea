"""The layer rules from DESIGN.md, checked on the source itself.

- services/ and db/ never import Textual or Rich (they must run headless and in workers);
- screens/ and widgets/ never import SQLAlchemy, SQLModel, sqlite3 or crmtui.db (they call
  services instead).

Every import counts: module level, inside functions, under `if TYPE_CHECKING`, relative
imports, and `importlib.import_module("...")` / `__import__("...")` with a literal name.
The import-linter contracts in pyproject.toml are run as well.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "crmtui"

UI_LIBRARIES = ("textual", "rich")
DATABASE_MODULES = ("sqlalchemy", "sqlmodel", "sqlite3", "crmtui.db")

RULES = {
    "services": UI_LIBRARIES,
    "db": UI_LIBRARIES,
    "screens": DATABASE_MODULES,
    "widgets": DATABASE_MODULES,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module `source` (the code of `module`) may import, fully qualified."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from crmtui import db` imports the module crmtui.db.
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            dynamic = (isinstance(func, ast.Name) and func.id == "__import__") or (
                isinstance(func, ast.Attribute) and func.attr == "import_module"
            )
            if (
                dynamic
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def forbidden_in(imports: set[str], forbidden: tuple[str, ...]) -> set[str]:
    return {
        name for name in imports for bad in forbidden if name == bad or name.startswith(bad + ".")
    }


def layer_files(layer: str) -> list[Path]:
    folder = PACKAGE / layer
    return sorted(folder.rglob("*.py")) if folder.is_dir() else []


def violations(layer: str) -> dict[str, set[str]]:
    found = {}
    for path in layer_files(layer):
        imports = imported_modules(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
        bad = forbidden_in(imports, RULES[layer])
        if bad:
            found[str(path.relative_to(REPO_ROOT))] = bad
    return found


# -- the checker itself must catch what it claims to -----------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "caught"),
    [
        ("import textual", "crmtui.services.x", {"textual"}),
        ("import rich.text as t", "crmtui.services.x", {"rich.text"}),
        ("from textual.widgets import Static", "crmtui.db.x", {"textual.widgets"}),
        ("def f():\n    from rich import print\n", "crmtui.services.x", {"rich"}),
        (
            "class A:\n    def m(self):\n        import textual.app\n",
            "crmtui.db.x",
            {"textual.app"},
        ),
        (
            "if TYPE_CHECKING:\n    from textual.app import App\n",
            "crmtui.services.x",
            {"textual.app"},
        ),
        ("import importlib\nimportlib.import_module('textual')", "crmtui.services.x", {"textual"}),
        ("__import__('rich.console')", "crmtui.db.x", {"rich.console"}),
        ("import sqlite3", "crmtui.screens.x", {"sqlite3"}),
        ("from sqlmodel import Session", "crmtui.screens.x", {"sqlmodel"}),
        ("def f():\n    import sqlalchemy.orm\n", "crmtui.widgets.x", {"sqlalchemy.orm"}),
        ("from crmtui.db.models import Contact", "crmtui.screens.x", {"crmtui.db.models"}),
        ("from crmtui import db", "crmtui.screens.x", {"crmtui.db"}),
        ("from ..db import engine", "crmtui.screens.x", {"crmtui.db", "crmtui.db.engine"}),
        ("from .. import db", "crmtui.widgets.x", {"crmtui.db"}),
    ],
)
def test_checker_catches_forbidden_imports(source: str, module: str, caught: set[str]) -> None:
    layer = module.split(".")[1]
    assert caught <= forbidden_in(imported_modules(source, module), RULES[layer])


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from crmtui.services.shop import Shop", "crmtui.screens.x"),
        ("from crmtui.services.dto import ContactCard", "crmtui.widgets.x"),
        ("import richard", "crmtui.services.x"),  # a prefix of the name is not the module
        ("import textualize_helpers", "crmtui.db.x"),
        ("from .dto import Problems", "crmtui.services.x"),
        ("from crmtui.database_help import x", "crmtui.screens.x"),
        ("import sqlite3_utils", "crmtui.screens.x"),
    ],
)
def test_checker_allows_what_is_allowed(source: str, module: str) -> None:
    layer = module.split(".")[1]
    assert forbidden_in(imported_modules(source, module), RULES[layer]) == set()


def test_relative_imports_resolve_from_packages_and_modules() -> None:
    assert "crmtui.db.engine" in imported_modules(
        "from .engine import Database", "crmtui.db", is_package=True
    )
    assert "crmtui.db.engine" in imported_modules("from .engine import Database", "crmtui.db.x")
    assert "crmtui.services.dto" in imported_modules("from ..services import dto", "crmtui.db.x")


# -- the real source ------------------------------------------------------------------------


def test_headless_layers_exist() -> None:
    """Guard against a vacuous pass: the layers the rules protect are really there."""
    services = {p.name for p in layer_files("services")}
    db = {p.name for p in layer_files("db")}
    assert {"shop.py", "search.py", "sales.py", "ledger.py", "contacts.py"} <= services
    assert {"engine.py", "models.py", "migrate.py"} <= db


@pytest.mark.parametrize("layer", ["services", "db"])
def test_services_and_db_never_import_textual_or_rich(layer: str) -> None:
    files = layer_files(layer)
    assert files
    assert violations(layer) == {}


@pytest.mark.parametrize("layer", ["screens", "widgets"])
def test_screens_and_widgets_never_touch_the_database(layer: str) -> None:
    files = layer_files(layer)
    for path in files:  # every file must at least parse, or the scan above means nothing
        ast.parse(path.read_text(encoding="utf-8"))
    assert violations(layer) == {}


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), f"lint-imports is not installed next to {sys.executable}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
