"""Record pages rendered in forked worker processes, shared among the machine's cores.

A record page is a function of the model alone, which no page changes: rendering 10,000 of them is one
core's Jinja work while the others idle. When there are many (`SHARED_FROM`), forked workers (each a copy
of the model as it is, its memory shared with the parent until written to) render a share each and hand the
pages back (`HtmlPage`: text and plain data, pickled); the parent keeps them in page order, and a template
that fails stops the build with the first failing page's problem, as a single process would. The first page
is rendered before the fork, so the templates compile once for every worker. Meanwhile the parent does work of
its own that needs no rendered page (the caller's `meanwhile`: the engine writes the data files), instead of
waiting on the workers with a core idle; a worker that dies leaves the pages to the parent (`records.workers.shared`).
Only where forking is safe: on a platform that forks, in a process with no other thread (MkDocs' live preview
serves from threads).
`MLREPORT_JOBS` sets how many processes (1: none forked), as for record loading.
"""

from __future__ import annotations

import gc
from typing import Callable, Sequence

from mlreport.problems import Problem, RecordError
from mlreport.records.workers import job_count, shared
from mlreport.render.html_page import HtmlPage

Render = Callable[[], HtmlPage]

SHARED_FROM = 400
"""Fewer pages than this are rendered in this process: forking costs more than it saves."""
_SHARE = 50
"""Pages per piece of work handed to a worker."""

_renders: Sequence[Render] = ()
"""The pages of the render in progress, seen by forked workers as they were when they were forked."""


def render_all(renders: Sequence[Render], meanwhile: Callable[[], None] | None = None) -> list[HtmlPage]:
    """Each page rendered, in order, in worker processes when there are many and forking is safe, while this
    process runs `meanwhile` (after the pages, when they are rendered here). Raises RecordError for the first page,
    in order, whose template fails."""
    processes = job_count()
    if len(renders) < SHARED_FROM or processes < 2:
        return _rendered_here(renders, meanwhile)
    first = renders[0]()
    global _renders
    _renders = renders
    pieces = [range(start, min(start + _SHARE, len(renders))) for start in range(1, len(renders), _SHARE)]
    try:
        # Rendering leaves garbage cycles (about 50 MB a worker at 10,000 experiments): a worker's collector runs,
        # whether or not this process's is paused meanwhile; the model they share was frozen, so it is never scanned.
        done = shared(_render_piece, pieces, processes, meanwhile, initializer=gc.enable)
    finally:
        _renders = ()
    if done is None:  # no worker could be started, or one died: render them here (`meanwhile` has run)
        return [first, *_rendered_here(renders[1:], None)]
    pages = [first]
    for rendered, failed in done:
        pages.extend(rendered)
        if failed is not None:
            raise RecordError(failed)
    return pages


def _rendered_here(renders: Sequence[Render], meanwhile: Callable[[], None] | None) -> list[HtmlPage]:
    pages = [render() for render in renders]
    if meanwhile is not None:
        meanwhile()
    return pages


def _render_piece(indices: range) -> tuple[list[HtmlPage], list[Problem] | None]:
    """A share's pages up to the first that failed, and that one's problems (a RecordError does not pickle)."""
    pages = []
    for index in indices:
        try:
            pages.append(_renders[index]())
        except RecordError as exc:
            return pages, exc.problems
    return pages, None


