"""One streamed `git log` pass over the record folders, put in a canonical order, with PR numbers.

The log is read with `--raw` (name-status plus blob ids, so old file contents are read by id
later without a per-file lookup), `-M` rename detection, `-z` so any path survives, and
`--full-history --parents` so merge commits stay in the walk with parents rewritten to the
commits shown: that graph is what gives branch commits the number of the pull request that
merged them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from mlreport.git import Process
from mlreport.history.types import pull_request_number

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

# %aN and %aE: the author as .mailmap maps them, so one person who committed under two names is one.
_FORMAT = "%x1e%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cI%x00%s%x00%b"
_HEADER_FIELDS = 7  # after the hash: parents, name, email, dates, subject, body
# What a diff of commits the log already gave needs: their ids (git prints each merge's even when the
# combined diff is empty, so a shorter header is most of what it writes and what is parsed after the log).
_ID_FORMAT = "%x1e%H"
_CHUNK = 1 << 18


@dataclass(slots=True)
class TouchedPath:
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
    entries: list[TouchedPath] = field(default_factory=list)
    parents: tuple[str, ...] = ()
    committed: str = ""
    landed: str = ""
    """When the commit reached the main line: the committer date of the main-line commit that brought it in."""
    encoded: str = ""
    """The commit as the cache stores it, less its PR number and landing (known once the graph is complete)."""


def stream_log(toplevel: Path, head: str, since: str, pathspecs: Iterable[str]) -> Iterator[LogCommit]:
    """The commits of `since..head` (all of `head` when `since` is "") touching `pathspecs`, as git streams them."""
    revisions = [head] if not since else [head, f"^{since}"]
    process = Process(toplevel, "log", "-z", "--raw", "--no-abbrev", "-M", "--root", "--full-history",
                      "--parents", f"--format={_FORMAT}", *revisions, "--", *pathspecs, blocks=True)
    try:
        yield from _parse(_chunks(process), _HEADER_FIELDS)
        process.finish()
    except BaseException:
        process.stop()
        raise


class DiffFeed:
    """Commits diffed by one `git diff-tree --stdin` fed while the log runs: its output is spooled, so
    feeding never waits for a reader, and the diffs are read once the log is done. The commits read
    carry only their ids and files: the rest the log gave."""

    def __init__(self, toplevel: Path, *args: str, magic: bool = False):
        self.toplevel = toplevel
        self.args = args
        self.magic = magic
        """The pathspecs in `args` carry magic (see `mlreport.git.command`)."""
        self._process: Process | None = None

    def add(self, sha: str) -> None:
        """Have one more commit diffed."""
        if self._process is None:
            self._process = Process(self.toplevel, "diff-tree", "--stdin", "-z", "-r", "--raw", "--no-abbrev",
                                    f"--format={_ID_FORMAT}", *self.args, stdin=True, spool=True, magic=self.magic)
            _widen_pipe(self._process.stdin)  # room for some 25,000 ids: the log never waits for diff-tree
        self._process.stdin.write(f"{sha}\n".encode("ascii"))

    def read(self) -> list[LogCommit]:
        """The commits added since the last read, each with the files its diff shows."""
        process, self._process = self._process, None
        return list(_parse([process.finish()], 0)) if process else []

    def stop(self) -> None:
        """End the diff-tree process early (after an error elsewhere)."""
        if self._process is not None:
            self._process.stop()
            self._process = None


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
            if len(commit.parents) < 2:
                continue
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
        sides = brought.get(sha)
        if sides:
            stack.extend(map(iter, sides))


def _unclaimed(commits: dict[str, LogCommit], claimed: set[str]) -> list[LogCommit]:
    # Only a graph git rewrites on the fly (replace refs, grafts) can leave commits off every line.
    unclaimed = [commit for sha, commit in commits.items() if sha not in claimed]
    for commit in unclaimed:
        commit.landed = commit.committed
    return unclaimed


def _chunks(process: Process) -> Iterator[bytes]:
    """The output in chunks, as git writes them."""
    _widen_pipe(process.stdout)
    read = process.stdout.read1  # type: ignore[attr-defined]
    while chunk := read(_CHUNK):
        yield chunk


def _widen_pipe(stream: IO[bytes]) -> None:
    """A 1 MiB pipe (Linux) instead of 64 KiB: git writes ahead while decisions are parsed between reads, and
    commit ids queue up for a slower diff-tree without holding up the log."""
    try:
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, _CHUNK * 4)  # type: ignore[union-attr, attr-defined]
    except (AttributeError, OSError):
        pass  # elsewhere (or when the system forbids it) git just waits a little more often


def _parse(chunks: Iterable[bytes], header_fields: int) -> Iterator[LogCommit]:
    """Commits from the NUL-separated output, as chunks arrive: a commit cut by a chunk's end waits for the next.
    Each header is the hash and `header_fields` more fields (those of `_FORMAT`, or none)."""
    tokens: list[bytes] = []
    rest = b""
    retry_at = 0
    for chunk in chunks:
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        tokens.extend(parts)
        if len(tokens) < retry_at:  # one huge commit still arriving: wait for twice as much, not re-parse each time
            continue
        commits, used = _complete_commits(tokens, False, header_fields)
        yield from commits
        tokens = tokens[used:]
        retry_at = 0 if commits else 2 * len(tokens)
    if rest:
        tokens.append(rest)
    yield from _complete_commits(tokens, True, header_fields)[0]


def _complete_commits(tokens: list[bytes], final: bool, header_fields: int) -> tuple[list[LogCommit], int]:
    """The commits whose every field is in `tokens`, and how many tokens they took.

    A commit is its header (the hash, marked by a leading \\x1e, then the format's fields), then
    one `:<modes> <old blob> <new blob> <status>` field per file followed by its path (two paths
    for a rename or copy), or for a merge's own edits `::<modes> <blobs> <statuses>` (one of each
    per parent, then the result's) and the path. Walking field by field keeps paths apart from
    headers whatever they hold.
    """
    commits = []
    count = len(tokens)
    index = 0
    while index < count:
        start = index
        if index + header_fields + 1 > count and not final:
            break
        header = tokens[index:index + header_fields + 1]
        index += header_fields + 1
        entries = []
        while index < count and not tokens[index].startswith(b"\x1e"):
            fields = tokens[index].split(b" ")
            if len(fields) != 5:
                if len(fields) > 5 and index + 2 <= count:  # a merge's own edit, in the combined format
                    merged = _combined(fields, tokens[index + 1])
                    if merged:
                        entries.append(merged)
                index += 2 if len(fields) > 5 else 1  # else the blank between a commit's header and its files
                continue
            status = fields[4][:1].decode("ascii")
            width = 3 if status in "RC" else 2
            if index + width > count:
                index = count
                break
            path = tokens[index + width - 1].decode("utf-8", "surrogateescape")
            old_path = tokens[index + 1].decode("utf-8", "surrogateescape") if width == 3 else ""
            entries.append(TouchedPath(status, path, old_path, fields[2 if status == "D" else 3].decode("ascii")))
            index += width
        if index >= count and not final:
            index = start
            break
        commits.append(_commit(header, entries))
    return commits, index


def _combined(fields: list[bytes], path: bytes) -> TouchedPath | None:
    """A file a merge changed against every parent: modified, added when new to all of them, deleted when
    the result lacks it (its blob then the first parent's). None when the path is new to some parents only:
    a rename on one side merged with an edit on the other, which the rename's lineage already holds."""
    parents = (len(fields) - 3) // 2
    result, letters = fields[-2].decode("ascii"), set(fields[-1].decode("ascii"))
    name = path.decode("utf-8", "surrogateescape")
    if not result.strip("0"):
        return TouchedPath("D", name, "", fields[parents + 1].decode("ascii"))
    return TouchedPath(letters.pop(), name, "", result) if len(letters) == 1 and letters <= {"A", "M"} else None


def _commit(header: list[bytes], entries: list[TouchedPath]) -> LogCommit:
    sha, parents, name, email, date, committed, subject, body = header + [b""] * (_HEADER_FIELDS + 1 - len(header))
    subject_text = subject.decode("utf-8", "replace")
    message = f"{subject_text}\n\n{body.decode('utf-8', 'replace')}" if body else subject_text
    return LogCommit(sha.lstrip(b"\x1e").decode("ascii"), name.decode("utf-8", "replace"),
                     email.decode("utf-8", "replace"), date.decode("ascii"), subject_text,
                     pull_request_number(message), entries, tuple(parents.decode("ascii").split()),
                     committed.decode("ascii"))
