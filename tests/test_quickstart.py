"""The README's Quickstart is two command lines, and CI runs the test line as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S)
    assert block, "the Quickstart needs a code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_is_exactly_two_command_lines():
    lines = quickstart_lines()
    assert len(lines) == 2
    install_and_open, install_and_test = lines
    assert "pip install" in install_and_open and "crmtui" in install_and_open
    assert "pip install" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_line_verbatim():
    test_line = quickstart_lines()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_line in ci_lines
