"""How soon a built site's browser tables answer, in headless Chromium: for the benchmark, never asserted.

    python -m tests.browser.timing SITE_DIR [PAGE ...]      (default page: experiments/)

prints, per page, the median seconds from navigation start until the table shows its rows
("interactive") and until every chart is drawn too ("drawn": charts are drawn when scrolled near,
so each is scrolled to as soon as the table shows; parallel coordinates whose runs are listed in
their place count as drawn), the charts' own share of that ("charts": from the table showing to
every chart drawn, on the clock and as CPU time of the page's main thread), and the median
milliseconds from a click on a
column header until the re-sorted rows are painted, once the page is drawn ("sort"); then the
milliseconds from the last keystroke of a filter typed into the query box, once its debounce is
over, until the filtered rows and their count are painted: the first filter typed ("filter_first",
which loads the query data too) and a second one typed on after it ("filter", the cost of a
keystroke once the data is there). The sort and the keystroke are also given as the CPU time
of the page's main thread (from Chromium's own accounting), which a busy machine changes far
less than the time on the clock.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from .harness import chromium, missing_requirement, new_context, serve

READY = """() => {
  const table = document.querySelector('[data-mlr-table]');
  return table && table.dataset.mlrState === 'ready' && table.querySelector('.tabulator-row')
    ? performance.now() : false;
}"""
"""Milliseconds since navigation start, once the table is built and shows rows."""
DRAWN = """() => {
  const pending = [...document.querySelectorAll('[data-mlr-chart]')].filter(c => c.dataset.mlrChartState !== 'drawn');
  if (!pending.length) return performance.now();
  pending[0].scrollIntoView({block: 'center'});
  return false;
}"""
"""Milliseconds since navigation start, once every chart is drawn; charts are drawn when scrolled near,
so it scrolls to each in turn, as a reader going straight to them once the table shows."""
SORT = """async field => {
  const title = document.querySelector(
    `[data-mlr-table] .tabulator-col[tabulator-field="${field}"] .tabulator-col-title`);
  const start = performance.now();
  title.click();
  // Two frames: the one the re-sort is drawn in, then the paint of it.
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return performance.now() - start;
}"""
SORT_FIELD = "title"
"""A column every mlreport table has (the experiments index and every leaderboard)."""
FILTER = """async ([text, append]) => {
  const input = document.querySelector('[data-mlr-query]');
  const box = input.closest('.mlr-query');
  let started = null;
  const done = new Promise(resolve => {
    // The box says "loading" when the debounced filter starts and "ready" once the table holds its rows.
    const watch = new MutationObserver(() => {
      const state = box.dataset.mlrQueryState;
      if (state === 'loading' && started === null) started = performance.now();
      if (state !== 'loading' && started !== null) { watch.disconnect(); resolve(); }
    });
    watch.observe(box, {attributes: true, attributeFilter: ['data-mlr-query-state']});
  });
  if (!append) input.value = '';
  for (const character of text) {
    input.value += character;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  }
  const typed = performance.now();
  await done;
  await new Promise(paint => requestAnimationFrame(() => requestAnimationFrame(paint)));
  const painted = performance.now();
  return {ms: painted - started, from_keystroke_ms: painted - typed,
          count: document.querySelector('[data-mlr-query-count]').textContent};
}"""
"""Types `text` into the query box (after what it holds when `append`) a character at a time; the
milliseconds from the end of the debounce until the filtered rows are painted."""
FILTERS = ("model = 'lightgbm'", " or status = 'completed'")
"""The filter typed first, and what is typed on after it: a few rows, then most of them again (the
heavier redraw: more rows to sort), on the benchmark's repo and on the demo's alike."""


@dataclass(frozen=True)
class TableTiming:
    """Medians over several loads of one page."""

    page: str
    interactive_s: float
    drawn_s: float
    charts_s: float
    charts_cpu_ms: float
    sort_ms: float
    filter_first_ms: float
    filter_ms: float
    sort_cpu_ms: float
    filter_cpu_ms: float
    runs: int


def measure(site_dir: Path, pages: Sequence[str] = ("experiments/",), runs: int = 3) -> list[TableTiming]:
    """Load each page `runs` times in a fresh tab (warm cache) and time its table; raises without Chromium."""
    missing = missing_requirement()
    if missing:
        raise RuntimeError(f"cannot time the tables: {missing}")
    server = serve(site_dir)
    try:
        with chromium() as browser:
            return measure_pages(new_context(browser), server.base, pages, runs)
    finally:
        server.close()


def measure_pages(context, base: str, pages: Sequence[str], runs: int) -> list[TableTiming]:
    """Time each page of the site served at `base`, `runs` times, in tabs of `context`."""
    return [_measure_page(context, base + page.lstrip("/"), page, runs) for page in pages]


def _measure_page(context, url: str, page_name: str, runs: int) -> TableTiming:
    interactive, drawn, charting, sorting, first_filter, filtering, sort_cpu, filter_cpu, charts_cpu = \
        ([] for _ in range(9))
    for _ in range(runs):
        page = context.new_page()
        cpu = _main_thread_clock(context, page)
        page.goto(url, wait_until="commit")
        interactive.append(page.wait_for_function(READY, timeout=120_000).json_value() / 1000)
        before = cpu()
        drawn.append(page.wait_for_function(DRAWN, timeout=120_000).json_value() / 1000)
        charts_cpu.append(cpu() - before)
        charting.append(drawn[-1] - interactive[-1])
        before = cpu()
        sorting.append(page.evaluate(SORT, SORT_FIELD))
        sort_cpu.append(cpu() - before)
        first_filter.append(page.evaluate(FILTER, [FILTERS[0], False])["ms"])
        before = cpu()
        filtering.append(page.evaluate(FILTER, [FILTERS[1], True])["ms"])
        filter_cpu.append(cpu() - before)
        page.close()
    medians = [round(statistics.median(values), 1) for values in (sorting, first_filter, filtering, sort_cpu,
                                                                   filter_cpu)]
    seconds = [round(statistics.median(values), 3) for values in (interactive, drawn, charting)]
    return TableTiming(page_name, *seconds, round(statistics.median(charts_cpu), 1), *medians, runs)


def _main_thread_clock(context, page) -> Callable[[], float]:
    """Milliseconds of CPU the page's main thread has used so far (Chromium's ThreadTime metric)."""
    session = context.new_cdp_session(page)
    session.send("Performance.enable", {"timeDomain": "threadTicks"})

    def now() -> float:
        metrics = session.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "ThreadTime") * 1000
    return now


def main(argv: Sequence[str] | None = None) -> None:
    """Print the timings of a built site's tables as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site_dir", type=Path)
    parser.add_argument("pages", nargs="*", default=["experiments/"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps([asdict(t) for t in measure(args.site_dir, args.pages, args.runs)], indent=2))


if __name__ == "__main__":
    main()
