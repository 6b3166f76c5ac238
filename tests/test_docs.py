"""The README documents every command, every option of every command, and every plugin option."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from mlreport.cli import main
from mlreport.config import plugin_options

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SHARED = {"--root", "--help", "-h"}
"""Options every command takes, documented once."""


def commands(group: click.Group = main, prefix: str = "mlreport") -> list[tuple[str, click.Command]]:
    """Every command by its full name (`mlreport import mlflow`), subcommands included."""
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += commands(command, path)
        else:
            found.append((path, command))
    return found


def section(title: str) -> str:
    """A README section's text, up to the next heading of its level or above."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#{{1,3}} |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def rows(text: str) -> list[str]:
    """The table rows of a text."""
    return [line for line in text.splitlines() if line.startswith("| ")]


@pytest.mark.parametrize(("name", "command"), commands(), ids=[name for name, _ in commands()])
def test_each_command_and_its_options_are_in_the_command_table(name: str, command: click.Command) -> None:
    table = rows(section("The command line"))
    row = next((r for r in table if r.startswith(f"| `{name}")), None)
    assert row is not None, f"README's command table has no row for `{name}`"
    flags = {flag for param in command.params if isinstance(param, click.Option)
             for flag in param.opts if flag.startswith("--")} - SHARED
    missing = sorted(flag for flag in flags if flag not in row)
    assert not missing, f"the README's row for `{name}` does not mention {missing}"


def test_the_shared_options_are_documented_once() -> None:
    assert "`--root DIR`" in section("The command line")


@pytest.mark.parametrize("option", [f.name for f in plugin_options()])
def test_each_plugin_option_is_in_the_configuration_table(option: str) -> None:
    assert any(row.startswith(f"| `{option}` |") for row in rows(section("Configuration"))), \
        f"README's configuration table has no row for `{option}`"
