"""The domain stays free of frameworks, databases and the environment."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import chat_domain

DOMAIN = Path(chat_domain.__file__).parent
# regex: Unicode's character properties (default-ignorable, emoji), pure data and code.
ALLOWED_THIRD_PARTY = {"attrs", "regex"}
FORBIDDEN_STDLIB = {"os", "sys", "socket", "sqlite3", "subprocess", "time", "random", "secrets"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_domain_imports_only_the_standard_library_attrs_and_itself() -> None:
    for path in sorted(DOMAIN.glob("*.py")):
        for module in _imported_modules(path):
            if module in ("__future__", "chat_domain") or module in ALLOWED_THIRD_PARTY:
                continue
            assert module in sys.stdlib_module_names, f"{path.name} imports {module}"
            assert module not in FORBIDDEN_STDLIB, (
                f"{path.name} reaches the environment via {module}"
            )


def test_domain_reads_no_environment_variables() -> None:
    for path in sorted(DOMAIN.glob("*.py")):
        assert "environ" not in path.read_text(encoding="utf-8"), path.name
