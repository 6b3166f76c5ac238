"""A small team's decisions, model cards and runs in real git, for the decision, card, compare and feed tests.

Five commits, each with its own author, date and pull request: a decision is proposed, then
accepted, superseded twice (0001 ← 0002 ← 0003, once without 0001's file being updated), and a
last commit adds records with hostile titles.
"""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from pathlib import Path

from repos import GitRepo
from repos import new_repo

from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.render import Generated

ANA = "Ana Lima <ana@example.com>"
ZOE = "Zoë Ångström <zoe@example.com>"
LI = "Li Lei <li@example.com>"
HOSTILE = "<script>alert(1)</script> & \"quotes\""
HOSTILE_TAG = "\"><img src=x onerror=alert(2)>"
BREAKOUT = "</script><img src=x onerror=alert(4)>"
SITE_URL = "https://ml.example.com/team/"

CONFIG = f"""\
site_name: Records team
site_url: {SITE_URL}
repo_url: https://git.example.com/team/records
edit_uri: edit/main/docs/
theme: {{name: material, font: false}}
plugins:
  - search
  - mlreport:
      leaderboards:
        - {{title: Digits accuracy, task: classification, dataset: digits, metric: test.accuracy}}
"""
BASE = """\
title: Baseline CNN
date: 2026-01-02
authors: [ana]
task: classification
dataset: {name: digits, version: v1, split: test}
params: {lr: 0.1, depth: 2, optimizer: sgd}
metrics: {test: {accuracy: 0.8, loss: 0.52}, ops: {latency_ms: 4.0}}
history:
  val.loss: [[1, 0.9], [2, 0.7]]
  train.loss: [[1, 1.0], [2, 0.8]]
"""
WIDE = """\
title: Wider CNN
date: 2026-01-20
authors: [li]
task: classification
dataset: {name: digits, version: v1, split: test}
baseline: base
params: {lr: 0.1, depth: 2, width: 128, optimizer: sgd}
metrics: {test: {accuracy: 0.86, loss: 0.41}, ops: {latency_ms: 5.5}}
history:
  val.loss: [[1, 0.8], [2, 0.6]]
"""
DEEP = """\
title: Deeper CNN
date: 2026-02-01
authors: [ana]
task: classification
dataset: {name: digits, version: v1, split: test}
baseline: base
params: {lr: 0.05, depth: 6, optimizer: adam}
metrics: {test: {accuracy: 0.84375, loss: 0.45}, ops: {latency_ms: 7.25}}
history:
  val.loss: [[1, 0.85], [2, 0.65], [3, 0.55]]
  val.accuracy: [[1, 0.7], [2, 0.8]]
"""
EVIL_RUN = f"""\
title: {json.dumps(BREAKOUT)}
date: 2026-02-24
task: classification
dataset: {{name: digits, split: test}}
params: {{{json.dumps(HOSTILE)}: 1, depth: 3}}
metrics: {{test: {{accuracy: 0.5}}}}
history: {{{json.dumps("val." + BREAKOUT)}: [[1, 0.1], [2, 0.2]]}}
"""
COMPARE_ID_RUN = """\
title: A run whose id is the compare page's name
date: 2026-01-03
params: {lr: 0.2}
metrics: {test: {accuracy: 0.7}}
"""


def decision(title: str, status: str, day: str, *, tags: str = "[vision]", evidence: str = "[]",
             more: str = "", body: str = "## Context and Problem Statement\n\nWhy.\n") -> str:
    """A MADR 4 decision file."""
    front = (f"title: {json.dumps(title)}\nstatus: {status}\ndate: {day}\ndecision-makers: [ana]\n"
             f"tags: {tags}\nevidence: {evidence}\n{more}")
    return f"---\n{front}---\n# {title}\n\n{body}"


WIDER_BODY = "## Decision Outcome\n\nWider wins; see [the old decision](0001-use-the-baseline.md).\n"
CARD = """\
---
name: Digits CNN
version: "1.0"
status: production
owners: [ana, li]
license: apache-2.0
library_name: pytorch
pipeline_tag: image-classification
datasets: [digits]
decisions: ["0003"]
evaluations:
  - {experiment: deep, metrics: [test.accuracy, test.loss]}
  - {experiment: wide, metrics: [test.accuracy]}
---
# Digits CNN

## Model Details

A convolutional network for **handwritten digits**.
"""
EVIL_CARD = f"""\
---
name: {json.dumps(BREAKOUT)}
status: candidate
owners: [{json.dumps(HOSTILE)}]
evaluations:
  - {{experiment: wide, metrics: [test.accuracy]}}
---
<script>alert(5)</script> [x](javascript:alert(6))
"""


def records_repo(path: Path) -> GitRepo:
    """A new git repository at `path` holding the team's records, committed in five pull requests."""
    repo = new_repo(path)
    repo.write("mkdocs.yml", CONFIG)
    repo.write("experiments/base.yaml", BASE)
    repo.write("experiments/compare.yaml", COMPARE_ID_RUN)
    repo.write("decisions/0001-use-the-baseline.md",
               decision("Use the baseline CNN", "proposed", "2026-01-05", evidence="[base]"))
    repo.commit("Add the baseline run and propose using it (#12)", author=ANA, date="2026-01-05T09:00:00+01:00")
    repo.write("decisions/0001-use-the-baseline.md",
               decision("Use the baseline CNN", "accepted", "2026-01-05", evidence="[base]"))
    repo.commit("Accept the baseline (#15)", author=ZOE, date="2026-01-10T16:30:00+00:00")
    repo.write("experiments/wide.yaml", WIDE)
    # 0001's file is left saying "accepted": the site must still show it superseded.
    repo.write("decisions/0002-use-the-wider-cnn.md", decision(
        "Use the wider CNN", "accepted", "2026-01-25", tags="[vision, release]", evidence="[base, wide]",
        more='supersedes: ["0001"]\nmodels: [digits-cnn]\n', body=WIDER_BODY))
    repo.write("models/digits-cnn.md", CARD.replace('decisions: ["0003"]\n', ""))
    repo.commit("Wider CNN, and use it (#20)", author=LI, date="2026-01-25T11:00:00+00:00")
    repo.write("experiments/deep.yaml", DEEP)
    repo.write("decisions/0003-use-the-deeper-cnn.md", decision(
        "Use the deeper CNN", "accepted", "2026-02-20", tags="[release]", evidence="[wide, deep]",
        more='supersedes: ["0002"]\n'))
    repo.write("decisions/0002-use-the-wider-cnn.md", decision(
        "Use the wider CNN", "superseded", "2026-01-25", tags="[vision, release]", evidence="[base, wide]",
        more='supersedes: ["0001"]\nsuperseded_by: ["0003"]\nmodels: [digits-cnn]\n', body=WIDER_BODY))
    repo.write("models/digits-cnn.md", CARD)
    repo.commit("Deeper CNN replaces the wider one (#31)", author=ANA, date="2026-02-20T10:00:00+00:00")
    repo.write("experiments/evil.yaml", EVIL_RUN)
    repo.write("decisions/0004-hostile.md", decision(
        HOSTILE, "proposed", "2026-02-25", tags=json.dumps([HOSTILE_TAG]), evidence="[evil]",
        body="<script>alert(3)</script>\n\n[link](javascript:alert(7))\n"))
    repo.write("models/evil-card.md", EVIL_CARD)
    repo.commit("Records with hostile titles", author=ZOE, date="2026-02-25T08:00:00+00:00")
    return repo


def built_site(root: Path) -> Path:
    """The repo built with the real `mlreport build`, into a `site` folder beside it."""
    from click.testing import CliRunner

    from mlreport.cli import main

    target = root.parent / "site"
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--site-dir", str(target)])
    assert result.exit_code == 0, result.output
    return target


def generated(root: Path, with_history: bool = True) -> Generated:
    """The generated site of a repo, with its git history (as a build reads it) or none."""
    options = load_options(root)
    if not with_history:
        options = dataclasses.replace(options, history=False)
    result = generate_site(options)
    assert not result.failed, result.problems
    if with_history:
        assert result.history.available, result.history.warning
    return result.site


def pull(number: int) -> str:
    """How a generated page links pull request `number` of the records repo."""
    return f'<a href="https://git.example.com/team/records/pull/{number}">#{number}</a>'


def html_tables(source: str) -> list[list[list[str]]]:
    """Every `<table>` of an HTML page as rows of cell texts (header row included)."""
    parser = _Tables()
    parser.feed(source)
    return parser.tables


def table_after(source: str, heading: str) -> list[list[str]]:
    """The first table that follows a heading's text in the page."""
    return html_tables(source[source.index(heading):])[0]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
