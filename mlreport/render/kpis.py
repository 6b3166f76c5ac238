"""The KPI page: each KPI's production value against its target, the best candidate, and its trend."""

from __future__ import annotations

from collections import Counter

from markupsafe import Markup

from mlreport.kpis import AT_RISK, MET, MISSED, STATUSES, Reading, read_kpis
from mlreport.render import charts
from mlreport.render.site import KPIS_INDEX, PageKind, Site, badge, record_page
from mlreport.slugs import slugify

SYMBOLS = {MET: "✓", AT_RISK: "!", MISSED: "✗"}
"""A sign beside each status word, so the status never rests on colour alone."""


def write(site: Site) -> None:
    """The KPI page, when the options or a card define KPIs."""
    readings = read_kpis(site.catalog)
    if not readings:
        return
    urls = {run.id: site.url(record_page("experiment", run.id)) for reading in readings for run in reading.runs}
    site.add_page(KPIS_INDEX, "kpis.md.j2", readings=readings, anchors=anchors(readings),
                  summary=summary(readings), status_badge=status_badge,
                  trend=lambda reading, anchor: trend(site, reading, anchor, urls))


def trend(site: Site, reading: Reading, anchor: str, urls: dict[str, str]) -> Markup | None:
    """The KPI's trend chart, or None when no dated run reports its metric."""
    spec = charts.kpi_trend(reading, urls)
    return charts.add_chart(site, KPIS_INDEX, anchor, spec, "mlr-kpi-trend") if spec else None


def anchors(readings: list[Reading]) -> list[str]:
    """Each KPI's section id on the page (the home tiles link to them), unique however titles repeat."""
    found: list[str] = []
    for reading in readings:
        base = "kpi-" + (slugify(reading.kpi.title) or "untitled")
        found.append(base if base not in found else f"{base}-{len(found) + 1}")
    return found


def summary(readings: list[Reading]) -> list[tuple[str, int]]:
    """How many KPIs have each status, in the order of `mlreport.kpis.STATUSES`."""
    counts = Counter(reading.status for reading in readings)
    return [(status, counts[status]) for status in STATUSES if counts[status]]


def status_badge(status: str) -> Markup:
    """A KPI status as a coloured badge with a sign and the word: `✓ met`."""
    return badge(status, "kpi", SYMBOLS.get(status, ""))


KIND = PageKind("kpis", write, section="KPIs", index=KPIS_INDEX)
