"""Existing decision logs read unchanged: MADR 2/3/4, Nygard/adr-tools, log4brains, just-the-docs MADR.

Each folder under tests/fixtures/legacy_decisions/ is one team's log, as its tool writes it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mlreport.config import Options
from mlreport.catalog import Catalog
from mlreport.validate import read_records

LEGACY = Path(__file__).parent.parent / "fixtures" / "legacy_decisions"


def read_log(name: str) -> tuple[Catalog, list[str]]:
    checked = read_records(Options(root=LEGACY, decisions_dir=name, history=False))
    model, problems = checked.catalog, checked.problems
    return model, [p.format_text() for p in problems]


def summary(model: Catalog) -> dict[str, tuple[str, str, dt.date | None]]:
    return {d.id: (d.title, d.status, d.date) for d in model.decisions.values()}


def test_madr2_bullets() -> None:
    model, problems = read_log("madr2")
    assert summary(model) == {
        "0001": ("Use Markdown Architectural Decision Records", "accepted", dt.date(2019, 3, 4)),
        "0002": ("Track experiments in a shared spreadsheet", "superseded", dt.date(2019, 3, 11)),
        "0003": ("Record experiments as YAML files in git", "accepted", dt.date(2019, 9, 30)),
        "0004": ("Retrain the churn model monthly", "unknown", dt.date(2020, 1, 15)),
    }
    assert model.decisions["0003"].decision_makers == ("Ana Lima", "Bo Chen", "Chidi Okafor")
    assert model.decisions["0002"].superseded_by == ("0003",)
    assert model.decisions["0003"].supersedes == ("0002",)  # from its `## Links` section
    assert model.successors == {"0002": ("0003",)}
    # README.md and template.md are no decisions; the one without a status line warns and shows as unknown.
    assert problems == [
        "madr2/0004-retrain-the-churn-model-monthly.md:1:1: warning: decision has no status; it shows as unknown "
        "(add a `Status: accepted` line below the title; one of proposed, accepted, rejected, deprecated, "
        "superseded)"]


def test_madr3_front_matter_with_superseded_status() -> None:
    model, problems = read_log("madr3")
    assert problems == []  # index.md and adr-template.md (whose front matter is not even YAML) are skipped
    assert summary(model) == {
        "0004": ("Score transactions in nightly batches", "superseded", dt.date(2022, 3, 14)),
        "0005": ("Score transactions at authorisation time", "accepted", dt.date(2022, 11, 2)),
    }
    older = model.decisions["0004"]
    assert (older.status_text, older.superseded_by) == ("superseded by ADR-0005", ("0005",))
    assert older.decision_makers == ("Priya Raman", "Tom Becker")
    assert (older.consulted, older.informed) == (("Risk operations",), ("Customer support leads",))
    # The status line counts on the newer side too: 0005 supersedes 0004 without saying so.
    assert model.predecessors == {"0005": ("0004",)}
    assert model.effective_status(older) == "superseded"


def test_madr4_front_matter() -> None:
    model, problems = read_log("madr4")
    assert problems == []  # adr-template-minimal.md and adr-template-bare.md are skipped
    assert summary(model) == {
        "0001": ("Use recall at 95% precision as the headline metric", "accepted", dt.date(2024, 6, 3)),
        "0002": ("Distil the triage model for on-device use", "proposed", dt.date(2024, 9, 17)),
    }
    first = model.decisions["0001"]
    assert first.decision_makers == ("Mariam Haddad", "Jonas Weber")
    assert (first.consulted, first.informed) == (("Clinical advisory board",), ("Product", "Support"))


def test_nygard_adr_tools() -> None:
    model, problems = read_log("nygard")
    assert problems == []
    assert summary(model) == {
        "0001": ("Record architecture decisions", "accepted", dt.date(2016, 2, 12)),
        "0002": ("Train models with scikit-learn pipelines", "superseded", dt.date(2016, 3, 1)),
        "0003": ("Train models with PyTorch Lightning", "accepted", dt.date(2017, 5, 22)),
        "0004": ("Serve features from a feature store", "superseded", dt.date(2018, 1, 9)),
        "0005": ("Compute features in the request path", "accepted", dt.date(2019, 7, 30)),
    }
    # "Superceded by" (adr-tools' spelling) on 0002 and "Supercedes" on 0003 name the same link.
    assert model.decisions["0002"].superseded_by == ("0003",)
    assert model.decisions["0003"].supersedes == ("0002",)
    # 0004 still lists "Accepted" above its "Superseded by" line: the supersession wins, and its line is kept.
    assert model.decisions["0004"].status_line == 9
    assert model.successors == {"0002": ("0003",), "0004": ("0005",)}
    assert model.predecessors == {"0003": ("0002",), "0005": ("0004",)}


def test_log4brains_lists_and_slug_ids() -> None:
    model, problems = read_log("log4brains")
    assert problems == []  # index.md and template.md are skipped
    assert summary(model) == {
        "20200926-number-the-ranking-decisions": ("Number the ranking decisions", "superseded",
                                                  dt.date(2020, 9, 26)),
        "20201016-use-slugs": ("Use the file slug as the decision id", "accepted", dt.date(2020, 10, 16)),
        "20210302-rank-with-lambdamart": ("Rank search results with LambdaMART", "proposed", dt.date(2021, 3, 2)),
    }
    older = model.decisions["20200926-number-the-ranking-decisions"]
    assert older.superseded_by == ("20201016-use-slugs",)
    assert older.tags == ("process", "naming")
    # "space and/or comma separated" tags.
    assert model.decisions["20201016-use-slugs"].tags == ("process", "naming")
    assert model.decisions["20201016-use-slugs"].decision_makers == ("Sofia Marques", "Dev Patel")
    assert model.successors == {"20200926-number-the-ranking-decisions": ("20201016-use-slugs",)}


def test_madr_with_just_the_docs_front_matter() -> None:
    model, problems = read_log("jtd")
    # `parent:` and `nav_order:` are another tool's keys: no unknown-key warnings.
    assert problems == []
    assert summary(model) == {
        "0001": ("Pin training dependencies with Poetry", "accepted", dt.date(2023, 1, 11)),
        "0002": ("Evaluate every model on a frozen holdout set", "proposed", dt.date(2023, 2, 20)),
    }
    assert model.decisions["0001"].decision_makers == ("Kenji Sato", "Olu Adeyemi")



def test_windows_line_endings_read_the_same(tmp_path) -> None:
    for folder in LEGACY.iterdir():
        copy = tmp_path / folder.name
        copy.mkdir()
        for file in folder.iterdir():
            (copy / file.name).write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
        model, problems = read_log(folder.name)
        checked = read_records(Options(root=tmp_path, decisions_dir=folder.name, history=False))
        crlf_model, crlf_problems = checked.catalog, checked.problems
        assert summary(crlf_model) == summary(model)
        assert {d.id: (d.supersedes, d.superseded_by, d.decision_makers, d.tags, d.status_line)
                for d in crlf_model.decisions.values()} == \
            {d.id: (d.supersedes, d.superseded_by, d.decision_makers, d.tags, d.status_line)
             for d in model.decisions.values()}
        assert [p.format_text() for p in crlf_problems] == problems
