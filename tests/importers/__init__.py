"""Importer tests drive the real MLflow, DVCLive and huggingface_hub (the test extra installs them)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(module: str) -> ModuleType:
    """The library the tests drive: skipped without it on a developer's machine, a failure in CI (CI=true),
    where no test may be skipped for a missing tool."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)
