"""Text helpers the record pages share: bodies without their title, long names that may wrap."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from mlreport.render import safe

_LEADING_H1 = re.compile(r"\A\s*#[ \t]+[^\n]*\n?")


def body_without_title(body: str) -> str:
    """A record body without its leading `# Title`: the page shows the title already."""
    return _LEADING_H1.sub("", body, count=1)


def breakable(name: Any) -> Markup:
    """A dotted metric name that may wrap after each dot in a narrow column: `test.<wbr>pr_auc`."""
    return Markup(".<wbr>").join(safe.text(part) for part in str(name).split("."))
