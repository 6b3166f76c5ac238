"""Records in from where teams already work (MLflow, DVC/DVCLive, Hugging Face cards), and cards back out.

Each importer reads its tool through the tool's own library (an optional extra) and returns
`Imported` records; `writer.write_imported` turns them into YAML files laid out as a person would
write them, updating the records an earlier import created (matched by `source`) without touching
what a person wrote.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class ImportFailed(Exception):
    """An import that cannot go on: a missing extra, a store that does not exist, an unreadable input."""

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(message)

    def line(self) -> str:
        """`error: message (hint)`, the one line the command prints."""
        return f"error: {self.message}" + (f" ({self.hint})" if self.hint else "")


def require(module: str, extra: str) -> ModuleType:
    """The tool's library, or ImportFailed naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportFailed(f"{module} is not installed", f'pip install "mlreport[{extra}]"') from None
