"""Leaderboard pages: what a board's definition says, and its table's data."""

from __future__ import annotations

import json

from mlreport.render.charts import PARCOORDS_DRAWN_RUNS
from mlreport.render.site import QUERY_DATA

from .recordkit import generated


def test_a_board_filtered_by_a_query_shows_it_and_its_table_offers_the_query_box(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: Fraud team
        plugins:
          - mlreport:
              leaderboards:
                - title: Fast runs
                  metric: test.pr_auc
                  filter: "metrics.ops.p99_ms < 10 and title like '%<b>%'"
        """)
    repo.write("experiments/fast.yaml", "title: Fast <b>run</b>\ndate: 2026-01-02\n"
                                        "metrics: {test: {pr_auc: 0.7}, ops: {p99_ms: 8}}\n")
    repo.write("experiments/slow.yaml", "title: Slow <b>run</b>\ndate: 2026-01-03\n"
                                        "metrics: {test: {pr_auc: 0.9}, ops: {p99_ms: 30}}\n")
    repo.commit("Two runs")
    site = generated(repo.path)
    page = site.pages["leaderboards/fast-runs.md"]
    assert ("- **Filter** <code>metrics.ops.p99&#95;ms &#60; 10 and title like &#39;%&#60;b&#62;%&#39;</code>"
            in page)
    table = json.loads(site.files["assets/mlreport/data/leaderboards/fast-runs.json"])
    assert [row["id"] for row in table["rows"]] == ["fast"]
    assert table["query"] == {"fields": QUERY_DATA}
    assert [row["id"] for row in json.loads(site.files[QUERY_DATA])["rows"]] == ["fast", "slow"]


def test_parallel_coordinates_of_many_runs_are_marked_as_drawn_on_request(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: Fraud team
        plugins:
          - mlreport:
              leaderboards:
                - {title: Sweep, metric: test.pr_auc, filter: "params.sweep = 'wide'"}
                - {title: Few, metric: test.pr_auc, filter: "params.sweep = 'narrow'"}
        """)
    wide = PARCOORDS_DRAWN_RUNS + 1
    for n in range(wide + 3):
        sweep = "wide" if n < wide else "narrow"
        repo.write(f"experiments/run-{n}.yaml", f"title: Run {n}\ndate: 2026-01-02\n"
                                                f"params: {{sweep: {sweep}, lr: {n / 1000}}}\n"
                                                f"metrics: {{test: {{pr_auc: {n / 10000}}}}}\n")
    repo.commit("A sweep")
    site = generated(repo.path, with_history=False)
    drawn = 'data-mlr-traces="parcoords" data-mlr-draw="request"'
    assert drawn in site.pages["leaderboards/sweep.md"]
    assert 'data-mlr-traces="parcoords"' in site.pages["leaderboards/few.md"]
    assert drawn not in site.pages["leaderboards/few.md"]
