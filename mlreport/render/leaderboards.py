"""Leaderboard pages: an index, and one page per board with its table and two charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from mlreport.leaderboards import RankedEntry, RankedBoard
from mlreport.render import charts
from mlreport.render.site import (DATA, LEADERBOARDS_INDEX, QUERY_DATA, PageKind, Site, json_text, most_common,
                                  record_page)
from mlreport.render.tables import Column, table_block, table_data

OTHER_METRICS = 4
"""Further metric columns on a board: the ones most of its runs report."""
FALLBACK_ROWS = 25


@dataclass(frozen=True)
class BoardView:
    """A board as its pages show it."""

    board: RankedBoard
    page: str
    data_file: str
    others: list[str]

    @property
    def best(self) -> RankedEntry | None:
        """The top entry."""
        return self.board.entries[0] if self.board.entries else None

    @property
    def better(self) -> str:
        """`higher` or `lower`, as in "higher is better"."""
        return "lower" if self.board.goal == "min" else "higher"


def board_pages(boards: Iterable[RankedBoard]) -> list[str]:
    """One page per board, in board order; equal titles get numbered pages."""
    pages: list[str] = []
    for board in boards:
        slug = board.slug if board.slug != "index" else "index-board"
        page, n = f"leaderboards/{slug}.md", 2
        while page in pages:
            page, n = f"leaderboards/{slug}-{n}.md", n + 1
        pages.append(page)
    return pages


def board_views(site: Site) -> list[BoardView]:
    """Every board with its page, data file and extra metric columns."""
    views = []
    for board, page in zip(site.catalog.leaderboards, board_pages(site.catalog.leaderboards)):
        stem = page.removeprefix("leaderboards/").removesuffix(".md")
        views.append(BoardView(board, page, f"{DATA}/leaderboards/{stem}.json", other_metrics(board)))
    return views


def other_metrics(board: RankedBoard) -> list[str]:
    """The metrics besides the ranked one that at least half of the board's runs report."""
    metric = board.definition.metric
    names = [m for entry in board.entries for m in entry.experiment.metrics if m != metric]
    half = len(board.entries) / 2
    return [m for m in most_common(names, len(set(names)))
            if sum(m in e.experiment.metrics for e in board.entries) >= half][:OTHER_METRICS]


def write(site: Site) -> None:
    """The index of boards, then each board's page and table data."""
    views = board_views(site)
    for view in views:
        if not site.renders(view.page):
            continue
        columns, rows = board_table(site, view)
        site.add_json_rows(view.data_file, table_data(columns, [], sort=("rank", "asc"), query=QUERY_DATA), rows)
        fallback = site.render("leaderboard_fallback.md.j2", view.page, view=view,
                               entries=view.board.entries[:FALLBACK_ROWS])
        urls = {e.experiment.id: site.url(record_page("experiment", e.experiment.id)) for e in view.board.entries}
        parcoords = charts.parallel_coordinates(view.board, urls)
        site.add_page(view.page, "leaderboard.md.j2", view=view,
                      table=table_block(view.data_file, fallback, view.board.definition.title,
                                        site.url(view.page)),
                      progress=charts.add_chart(site, view.page, "progress", charts.best_so_far(view.board, urls)),
                      parcoords=charts.add_chart(site, view.page, "parameters", parcoords, "mlr-parcoords",
                                                 on_request=len(view.board.entries) > charts.PARCOORDS_DRAWN_RUNS)
                      if parcoords else None)
    site.add_page(LEADERBOARDS_INDEX, "leaderboards.md.j2", views=views)


def board_table(site: Site, view: BoardView) -> tuple[list[Column], list[str]]:
    """A board as a browser table: rank, run, metric, Δs, other metrics, model, authors, date, PR; its rows as JSON
    texts, each kept per run and placement (`Site.record_text`)."""
    goal, metric = view.board.goal, view.board.definition.metric
    columns = [
        Column("rank", "#", "number"),
        Column("title", "Experiment", "link", "text"),
        Column("value", metric, "number", goal=goal, metric=metric),
        Column("delta_baseline", "Δ baseline", "delta", goal=goal, metric=metric),
        Column("delta_previous_best", "Δ previous best", "delta", goal=goal, metric=metric),
    ] + [Column(f"metric:{name}", name, "number", goal=site.catalog.goal(name), metric=name)
         for name in view.others] + [
        Column("model", "Model", "text", "select"),
        Column("authors", "Authors", "list", "list"),
        Column("date", "Date", "date"),
        Column("pr", "PR", "pr"),
    ]
    rows = []
    for entry in view.board.entries:
        created = site.provenance(entry.experiment).created
        pr = created.pr if created else None
        production = ", ".join(card.title for card in site.catalog.production_cards(entry.experiment.id))
        # A row depends on the run, its placement, its pull request and production cards, the board's columns.
        name = json_text(["board", entry.rank, entry.value, entry.delta_baseline, entry.delta_previous_best,
                          view.others, pr, production])
        rows.append(site.record_text(name, entry.experiment, lambda entry=entry, pr=pr, production=production:
                                     json_text(_board_row(site, view, entry, pr, production))))
    return columns, rows


def _board_row(site: Site, view: BoardView, entry: RankedEntry, pr: int | None, production: str) -> dict[str, Any]:
    experiment = entry.experiment
    row: dict[str, Any] = {
        "rank": entry.rank, "id": experiment.id, "title": experiment.title or experiment.id,
        "url": site.url(record_page("experiment", experiment.id)), "value": entry.value,
        "delta_baseline": entry.delta_baseline, "delta_previous_best": entry.delta_previous_best,
        "model": experiment.model, "authors": list(experiment.authors),
        "date": experiment.date.isoformat() if experiment.date else "",
        "pr": pr, "pr_url": site.history.pr_url(pr), "production": production,
    }
    row.update({f"metric:{name}": experiment.metrics.get(name) for name in view.others})
    return row


KIND = PageKind("leaderboards", write, section="Leaderboards", index=LEADERBOARDS_INDEX)
