"""One streamed `git log` pass over the record folders, put in a canonical order, with PR numbers.

The log is read with `--raw` (name-status plus blob ids, so old file contents are read by id
later without a per-file lookup), `-M` rename detection, `-z` so any path survives, and
`--full-history --parents` so merge commits stay in the walk with parents rewritten to the
commits shown: that graph is what gives branch commits the number of the pull request that
merged them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from queue import SimpleQueue
from threading import Thread
from pathlib import Path
from typing import Iterable, Iterator

from mlreport.history.git import Process, run
from mlreport.history.model import pull_request_number

_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x00%b"
_HEADER_FIELDS = 7  # after the hash: parents, name, email, dates, subject, body
_CHUNK = 1 << 18


@dataclass(slots=True)
class Entry:
    """One file a commit touched."""

    status: str
    """A, M, D, R (renamed from `old_path`) or T, as git's name-status letters."""
    path: str
    """Relative to the repository's top."""
    old_path: str = ""
    blob: str = ""
    """The file's content id after the commit; before it for a deletion."""


@dataclass(slots=True)
class LogCommit:
    """A commit of the log and the record-folder files it touched."""

    sha: str
    author: str
    email: str
    date: str
    subject: str
    pr: int | None
    entries: list[Entry] = field(default_factory=list)
    parents: tuple[str, ...] = ()
    committed: str = ""
    landed: str = ""
    """When the commit reached the main line: the committer date of the main-line commit that brought it in."""
    encoded: str = ""
    """The commit as the cache stores it, less its PR number (known only once the graph is complete)."""


def stream_log(toplevel: Path, head: str, since: str, pathspecs: Iterable[str]) -> Iterator[LogCommit]:
    """The commits of `since..head` (all of `head` when `since` is "") touching `pathspecs`, as git streams them."""
    revisions = [head] if not since else [head, f"^{since}"]
    process = Process(toplevel, "log", "-z", "--raw", "--no-abbrev", "-M", "--root", "--full-history",
                      "--parents", f"--format={_FORMAT}", *revisions, "--", *pathspecs)
    try:
        yield from _parse(_tokens(process))
        process.finish()
    except BaseException:
        process.stop()
        raise


def list_main_line(toplevel: Path, head: str, since: str = "") -> Process:
    """Start listing the main line: `head`'s first-parent chain, newest first, down to `since` (excluded)."""
    return Process(toplevel, "rev-list", "--first-parent", "--parents", head, *([f"^{since}"] if since else []),
                   spool=True)


def read_main_line(listing: Process, head: str, since: str = "") -> list[str] | None:
    """The main line `list_main_line` found.

    None when `since` is given but is not on that chain (history rewritten, or a branch merged
    the other way round): commits cached up to `since` may then have other PR numbers.
    """
    lines = listing.finish().decode("ascii").splitlines()
    if since and not lines:
        return [] if head == since else None
    if since and lines[-1].split()[1:2] != [since]:
        return None
    return [line[:line.find(" ")] if " " in line else line for line in lines]


def canonical_order(commits: dict[str, LogCommit], main_line: list[str]) -> list[LogCommit]:
    """Newest first, each merge followed by the commits it brought in; gives branch commits their PR.

    The order depends only on the commit graph, so the commits new since a cached head, put in
    this order, followed by the cached ones, equal the order of a full pass. A commit brought in
    by a merge (reachable from its second parent, not from its first) takes that merge's PR
    number unless its own subject carries one (nested merges keep the innermost number), and
    lands when the main-line merge that finally brought it in was committed.
    """
    claimed = set(main_line)
    brought: dict[str, list[list[str]]] = {}

    def claim_line(sha: str) -> list[str]:
        line = []
        while sha in commits and sha not in claimed:
            claimed.add(sha)
            line.append(sha)
            parents = commits[sha].parents
            sha = parents[0] if parents else ""
        return line

    def walk(line: list[str], inherited: int | None, landed: str) -> Iterator[tuple[list[str], int | None, str]]:
        # Oldest first, so an older merge claims its commits before a newer one could.
        for sha in reversed(line):
            commit = commits[sha]
            commit.pr = commit.pr or inherited
            commit.landed = landed or commit.committed
            for parent in commit.parents[1:]:
                side = claim_line(parent)
                if side:
                    brought.setdefault(sha, []).append(side)
                    yield side, commit.pr, commit.landed

    main = [sha for sha in main_line if sha in commits]
    stack = [walk(main, None, "")]
    while stack:  # depth-first without recursion: merges can nest thousands deep
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
        else:
            stack.append(walk(*step))
    return [commits[sha] for sha in _emit(main, brought)] + _unclaimed(commits, claimed)


def _emit(main: list[str], brought: dict[str, list[list[str]]]) -> Iterator[str]:
    # A merge's later side lines were claimed last, so they come first (children before parents).
    stack = [iter(main)]
    while stack:
        sha = next(stack[-1], None)
        if sha is None:
            stack.pop()
            continue
        yield sha
        stack.extend(iter(side) for side in brought.get(sha, ()))


def _unclaimed(commits: dict[str, LogCommit], claimed: set[str]) -> list[LogCommit]:
    # Only a graph git rewrites on the fly (replace refs, grafts) can leave commits off every line.
    unclaimed = [commit for sha, commit in commits.items() if sha not in claimed]
    for commit in unclaimed:
        commit.landed = commit.committed
    return unclaimed


def _tokens(process: Process) -> Iterator[bytes]:
    """The NUL-separated fields of the output, read as git writes them."""
    rest = b""
    for chunk in _chunks(process):
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _chunks(process: Process) -> Iterator[bytes]:
    """The output in chunks, drained by a thread: git never waits for the parser (or for the decision
    parsing between chunks), so the walk and the parsing run side by side."""
    chunks: SimpleQueue[bytes] = SimpleQueue()

    def drain() -> None:
        try:
            read = process.stdout.read1  # type: ignore[attr-defined]
            while chunk := read(_CHUNK):
                chunks.put(chunk)
        finally:
            chunks.put(b"")

    thread = Thread(target=drain, name="git-log-reader", daemon=True)
    thread.start()
    while chunk := chunks.get():
        yield chunk
    thread.join()


def _parse(tokens: Iterator[bytes]) -> Iterator[LogCommit]:
    token = next(tokens, None)
    while token is not None:
        sha = token.lstrip(b"\x1e").decode("ascii")
        parents, name, email, date, committed, subject, body = (next(tokens, b"") for _ in range(_HEADER_FIELDS))
        subject_text = subject.decode("utf-8", "replace")
        message = f"{subject_text}\n\n{body.decode('utf-8', 'replace')}" if body else subject_text
        commit = LogCommit(sha, name.decode("utf-8", "replace"), email.decode("utf-8", "replace"),
                           date.decode("ascii"), subject_text, pull_request_number(message),
                           parents=tuple(parents.decode("ascii").split()), committed=committed.decode("ascii"))
        token = next(tokens, None)
        while token is not None and not token.startswith(b"\x1e"):
            # `:100644 100644 <old blob> <new blob> <status>`, then the path (two for a rename).
            fields = token.lstrip(b"\n").split(b" ")
            if len(fields) < 5:  # the blank between a commit's header and its files
                token = next(tokens, None)
                continue
            status = fields[4][:1].decode("ascii")
            path = next(tokens, b"").decode("utf-8", "surrogateescape")
            entry = Entry(status, path, blob=fields[2 if status == "D" else 3].decode("ascii"))
            if status in "RC":
                entry.old_path, entry.path = path, next(tokens, b"").decode("utf-8", "surrogateescape")
            commit.entries.append(entry)
            token = next(tokens, None)
        yield commit
