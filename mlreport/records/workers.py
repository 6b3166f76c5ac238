"""Many record files read fresh, shared among the machine's cores.

Reading a record is parsing YAML and checking it, mostly in Python: one core does a thousand in well under a
second, so a first load of 10,000 would wait on one core while the others idle. When there are many files
to read (`SHARED_FROM`), forked worker processes each read a share, through their own `Reader`, and hand
back what each load gave and what the caller's `prepare` made of it there (records, problems, the record
cache's entries already encoded: plain data, pickled); the parent keeps them in the order a single process
would have, and meanwhile does work of its own that needs no record (the caller's `while_waiting`: the build
reads git's log) instead of idling on a core. A worker that dies (killed, out of memory) leaves the whole load
to the parent, with a warning, rather than a build waiting for it forever. Only where forking is safe: on a
platform that forks, in a process with no other thread (MkDocs' live preview serves from threads; it loads
one process alone). `MLREPORT_JOBS` sets how many processes (1: none forked).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, TypeVar

from mlreport.collector import collector_paused
from mlreport.problems import Problem, relative
from mlreport.records.boundary import Resolver
from mlreport.records.source import Facts, Reader, SourceError

log = logging.getLogger("mlreport.records")

Piece = TypeVar("Piece")
Job = tuple[Callable[[Path, Reader], Any], Path]
"""A loader and the file it reads."""
Done = tuple[Any, "dict[Path, str] | None", "dict[Path, Facts] | None"]
"""What a load gave (record and problems), and what its reader saw (None when the file could not be read)."""
Prepare = Callable[[int, Any, "dict[Path, str]", "dict[Path, Facts]"], Any]
"""What to make of the load of job `index` (its result, what its reader saw) in the process that loaded it."""

SHARED_FROM = 400
"""Fewer files than this are read in this process: forking costs more than it saves."""
_SHARE = 64
"""Files per piece of work handed to a worker."""

_jobs: list[Job] = []
"""The work of the load in progress, seen by forked workers as it was when they were forked."""
_root: Path | None = None
_prepare: Prepare | None = None


def load_all(jobs: list[Job], root: Path, resolver: Resolver, prepare: Prepare | None = None,
             while_waiting: Callable[[], None] | None = None) -> list[tuple[Any, Any]]:
    """Each job's load (record and problems), in order, in worker processes when there are many and forking is
    safe; with what `prepare` made of it where it was loaded (None without `prepare`, or when the file could not
    be read), so that work too is shared among the processes. While the workers read, this process runs
    `while_waiting`; not when the files are read here."""
    with collector_paused():
        processes = job_count()
        if len(jobs) < SHARED_FROM or processes < 2:
            return _load_range(jobs, range(len(jobs)), root, resolver, prepare)
        global _jobs, _root, _prepare
        _jobs, _root, _prepare = jobs, root, prepare
        pieces = [range(start, min(start + _SHARE, len(jobs))) for start in range(0, len(jobs), _SHARE)]
        try:
            # A worker lives for this load alone: its collector stays off, as this process's is meanwhile.
            done = shared(_load_piece, pieces, processes, while_waiting, initializer=gc.disable)
        finally:
            _jobs, _root, _prepare = [], None, None
        if done is None:  # no worker could be started, or one died: read them here
            return _load_range(jobs, range(len(jobs)), root, resolver, prepare)
        return [result for piece in done for result in piece]


def shared(work: Callable[[range], Piece], pieces: list[range], processes: int,
           meanwhile: Callable[[], None] | None = None, initializer: Callable[[], Any] | None = None
           ) -> list[Piece] | None:
    """`work` of each piece, in order, done by forked worker processes while this process runs `meanwhile` (once,
    whatever happens); None when no worker could be started or one died (killed, out of memory), which leaves the
    work to the caller. The workers are forked before `meanwhile` starts, so none holds what it opens (git's pipes),
    and they are ended and waited for before this returns or raises: none is left running, nor as a zombie."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=initializer)
    try:
        try:
            futures: list[Future[Piece]] | None = [pool.submit(work, piece) for piece in pieces]  # forks them all
        except (OSError, BrokenProcessPool) as exc:
            log.debug("no worker process could be started (%s): the work is done in this process", exc)
            futures = None
        if meanwhile is not None:
            _with_quick_switches(meanwhile)
        return None if futures is None else [future.result() for future in futures]
    except BrokenProcessPool:
        log.warning("mlreport: a worker process died; its work is done in this process")
        return None
    finally:
        # After an error here: the pieces not started are dropped, those under way finish.
        pool.shutdown(cancel_futures=True)


_SWITCH_INTERVAL = 0.0005
"""Seconds a thread of this process holds the interpreter's lock while another waits for it, while `meanwhile` runs."""


def _with_quick_switches(meanwhile: Callable[[], None]) -> None:
    """Run `meanwhile` with the lock handed over more often: the pool's own thread in this process takes the
    workers' results from a pipe 64 KB at a time, taking the lock back after each read, and waiting the whole
    switch interval (5 ms) for it each time kept workers blocked on a full pipe while `meanwhile` ran."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_INTERVAL))
    try:
        meanwhile()
    finally:
        sys.setswitchinterval(interval)


def job_count() -> int:
    """How many processes may share a step's work: MLREPORT_JOBS, else the cores this process may use; 1 where
    forking is unsafe (another thread runs) or impossible."""
    wanted = os.environ.get("MLREPORT_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        count = int(wanted)
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if count < 2 or "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return count


def _load_piece(indices: range) -> list[tuple[Any, Any]]:
    assert _root is not None
    return _load_range(_jobs, indices, _root, Resolver(_root), _prepare)


def _load_range(jobs: list[Job], indices: range, root: Path, resolver: Resolver,
                prepare: Prepare | None) -> list[tuple[Any, Any]]:
    done = []
    for index in indices:
        result, seen, facts = load_one(*jobs[index], Reader(root, resolver))
        done.append((result, None if prepare is None or seen is None or facts is None
                     else prepare(index, result, seen, facts)))
    return done


def load_one(load: Callable[[Path, Reader], Any], path: Path, reader: Reader) -> Done:
    """One file loaded, whatever goes wrong; a file that cannot be read now leaves nothing to keep."""
    try:
        try:
            return load(path, reader), reader.seen, reader.facts
        except SourceError as exc:
            return (None, [exc.problem]), reader.seen, reader.facts
    except OSError as exc:
        return (None, [unreadable(path, reader.root, exc)]), None, None


def unreadable(path: Path, root: Path, exc: OSError) -> Problem:
    """The error for a record file that exists but cannot be read."""
    return Problem(relative(path, root), 1, 1, "error", f"cannot read file: {exc.strerror}")
