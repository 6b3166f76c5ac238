"""The build as one function: records, history and pages, or the problems that stop it."""

from __future__ import annotations

import dataclasses

from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.validate import read_records


def test_a_valid_repo_gives_pages_data_and_history(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\ntask: t\nmetrics: {test.auc: 0.8}\n")
    repo.commit("Add the baseline (#4)")
    result = generate_site(load_options(repo.path))
    assert not result.failed and result.problems == []
    assert "experiments/base.md" in result.site.html_pages and "index.md" in result.site.pages
    assert result.history.provenance("experiments/base.yaml").created.pr == 4


def test_records_with_errors_stop_before_history_and_pages(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\n")
    repo.commit("Add a broken record")
    result = generate_site(load_options(repo.path))
    assert result.failed and [p.key for p in result.problems] == [""]
    assert result.site.pages == {} and not result.history.available


def test_the_dashboard_steps_aside_for_the_teams_own_home_page(repo) -> None:
    repo.write("docs/index.md", "# Our team\n")
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\n")
    pages = generate_site(load_options(repo.path)).site.pages
    assert "dashboard.md" in pages and "index.md" not in pages


def test_strict_makes_warnings_errors(repo) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-02\ncolour: blue\n")
    options = load_options(repo.path)
    assert not read_records(options).failed
    assert read_records(dataclasses.replace(options, strict=True)).failed
