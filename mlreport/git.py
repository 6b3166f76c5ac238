"""Running git: one place that fixes the options every call needs, and turns failures into `GitError`."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Settings a user's git config could change and the parsers depend on: paths untouched by
# `diff.relative`, no signature check output in the log, UTF-8 names and messages, and no
# `log.follow`, which would turn a single folder into a single-file walk.
_CONFIG = ("-c", "diff.relative=false", "-c", "log.showSignature=false", "-c", "log.follow=false",
           "-c", "i18n.logOutputEncoding=UTF-8", "-c", "core.quotepath=false", "-c", "color.ui=never")


class GitError(Exception):
    """git is missing, or a git command failed; the message is git's own first line."""


@dataclass(frozen=True)
class Repo:
    """Where the site root sits in its git repository, and what that repository is like."""

    toplevel: Path
    prefix: str
    """The site root's path inside the repository: "" or "sub/folder/" (git paths start with it)."""
    head: str
    """The HEAD commit; "" in a repository without commits."""
    shallow: bool
    shallow_file: Path
    """Lists the commits a shallow clone is cut at."""
    mount: str = ""
    """For a submodule inside the site root: the repository's top relative to the root, "sub/module/"
    (site paths start with it, and `prefix` is "")."""

    def git_path(self, path: str) -> str:
        """A root-relative record path as git names it (relative to the repository's top)."""
        return self.prefix + path[len(self.mount):]

    def root_path(self, git_path: str) -> str:
        """A git path relative to the site root."""
        return self.mount + (git_path[len(self.prefix):] if git_path.startswith(self.prefix) else git_path)

    def git_folder(self, folder: str) -> str | None:
        """A folder relative to the site root as a git path prefix ("" or ending in "/"); None when no part of
        it is in this repository (a submodule holds part of one record folder, or none)."""
        posix = "" if folder in ("", ".") else folder.rstrip("/") + "/"
        if posix.startswith(self.mount):
            return self.prefix + posix[len(self.mount):]
        return "" if self.mount.startswith(posix) else None

    def boundary(self) -> frozenset[str]:
        """The commits a shallow clone is grafted at: their diffs show every file as added."""
        try:
            return frozenset(self.shallow_file.read_text(encoding="ascii").split())
        except OSError:
            return frozenset()


def command(*args: str, magic: bool = False) -> list[str]:
    """The full git command line for `args`, with the settings the parsers rely on.

    Reads never take the index lock (`--no-optional-locks`), so a build or `serve` running beside
    the user's own git commands cannot make them fail; folder names are taken literally. With
    `magic` the pathspecs may carry magic (`:(exclude,literal)docs`, see `excluded`): nothing else
    in them is a pattern.
    """
    return ["git", "--no-optional-locks", "--noglob-pathspecs" if magic else "--literal-pathspecs", *_CONFIG, *args]


def excluded(path: str) -> str:
    """A pathspec (for a `magic` command) leaving out the folder or file `path`, taken literally."""
    return f":(exclude,literal){path}"


_PATHSPEC_ENVIRONMENT = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")
"""What could turn a `magic` command's pathspecs back into plain names or patterns."""


def run(cwd: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
    """Run git to completion; returns (exit code, stdout), raising GitError on other exit codes."""
    try:
        done = subprocess.run(command(*args), cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        missing = "git is not installed" if exc.filename in ("git", None) else f"{cwd} does not exist"
        raise GitError(missing) from None
    except NotADirectoryError:
        raise GitError(f"{cwd} is not a folder") from None
    if done.returncode not in ok_codes:
        raise GitError(first_line(done.stderr) or f"git {args[0]} failed (exit code {done.returncode})")
    return done.returncode, done.stdout


def first_line(stderr: bytes) -> str:
    """The first non-empty line git wrote to stderr, without the `fatal: ` prefix."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""


class Process:
    """A git command running in the background: its output streamed, or spooled to a file to read at the end."""

    def __init__(self, cwd: Path, *args: str, stdin: bool = False, spool: bool = False, magic: bool = False,
                 blocks: bool = False):
        """With `blocks`, git writes its streamed output in full blocks: into a pipe it otherwise writes (and
        wakes this process) once per commit, which costs both sides more than reading the output."""
        # stderr goes to a file: a pipe nobody reads could fill up with warnings and stall git. A spooled
        # stdout lets a command run to its end while this process is busy with something else.
        self._stderr = tempfile.TemporaryFile()
        self._spool = tempfile.TemporaryFile() if spool else None
        try:
            environment = None
            if magic or blocks:
                environment = {key: value for key, value in os.environ.items()
                               if not (magic and key in _PATHSPEC_ENVIRONMENT)}
                if blocks:
                    environment["GIT_FLUSH"] = "0"
            self._process = subprocess.Popen(command(*args, magic=magic), cwd=cwd, stderr=self._stderr,
                                             stdout=self._spool or subprocess.PIPE,
                                             stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, env=environment)
        except OSError as exc:
            self._close()
            raise GitError(f"cannot run git: {exc.strerror}") from None
        self.name = args[0]
        self._done = False

    @property
    def stdout(self) -> IO[bytes]:
        """The command's output, as it comes (not for spooled commands)."""
        assert self._process.stdout is not None
        return self._process.stdout

    @property
    def stdin(self) -> IO[bytes]:
        """The command's input (when started with `stdin=True`)."""
        assert self._process.stdin is not None
        return self._process.stdin

    def finish(self) -> bytes:
        """Wait for the command; returns the output not yet read, raising GitError when it failed."""
        self._done = True
        try:
            rest, _ = self._process.communicate()
            if self._process.returncode:
                self._stderr.seek(0)
                raise GitError(first_line(self._stderr.read())
                               or f"git {self.name} failed (exit code {self._process.returncode})")
            if self._spool:
                self._spool.seek(0)
                return self._spool.read()
            return rest or b""
        finally:
            self._close()

    def spooled(self, offset: int) -> bytes:
        """What a spooled command has written so far, from `offset` on (it may still be writing); nothing where the
        system cannot read a file at an offset without moving the writer's position (Windows)."""
        assert self._spool is not None
        if not hasattr(os, "pread"):
            return b""
        return os.pread(self._spool.fileno(), max(os.fstat(self._spool.fileno()).st_size - offset, 0), offset)

    def stop(self) -> None:
        """End the command early (after an error elsewhere); nothing to do once finished."""
        if self._done:
            return
        self._done = True
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()
        self._close()

    def _close(self) -> None:
        self._stderr.close()
        if self._spool:
            self._spool.close()


def probe(root: Path) -> Repo:
    """Find the repository holding `root`: one `git rev-parse` call."""
    code, out = run(root, "rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository",
                    "--git-path", "shallow", "--verify", "-q", "HEAD^{commit}", ok_codes=(0, 1))
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 4:
        raise GitError("git rev-parse gave unexpected output")
    toplevel, prefix, shallow, shallow_file = lines[:4]
    head = lines[4].strip() if code == 0 and len(lines) > 4 else ""
    return Repo(toplevel=Path(toplevel), prefix=prefix, head=head, shallow=shallow.strip() == "true",
                shallow_file=root / shallow_file)


_BATCH = 256
"""Blob ids written to `cat-file --batch` at once: 256 ids are 10 kB, far below what a pipe holds."""


class BlobReader:
    """File contents by blob id, from one long-running `git cat-file --batch`."""

    def __init__(self, toplevel: Path):
        self.toplevel = toplevel
        self._process: Process | None = None

    def read(self, blobs: list[str]) -> list[bytes | None]:
        """The contents of each blob, in order; None for a blob the repository lacks (a partial clone)."""
        if self._process is None:
            self._process = Process(self.toplevel, "cat-file", "--batch", stdin=True)
        contents: list[bytes | None] = []
        # A few ids at a time, each batch's contents read before the next is written: written all at once,
        # thousands of ids fill the pipe to git while git waits for its output to be read, and both wait forever.
        for start in range(0, len(blobs), _BATCH):
            batch = blobs[start:start + _BATCH]
            self._process.stdin.write("".join(f"{blob}\n" for blob in batch).encode("ascii"))
            self._process.stdin.flush()
            for _ in batch:
                header = self._process.stdout.readline().split()
                if len(header) != 3:  # `<id> missing`
                    if not header:
                        raise GitError("git cat-file stopped early")
                    contents.append(None)
                    continue
                contents.append(self._process.stdout.read(int(header[2]) + 1)[:-1])
        return contents

    def close(self) -> None:
        """End the cat-file process."""
        if self._process is not None:
            self._process.finish()
            self._process = None


class BlobSpool:
    """File contents by blob id from one `git cat-file --batch`, asked for while other work goes on: its answers go
    to a file, so asking never waits for git (on a busy machine each round trip to a process answering blob by
    blob waited for the scheduler, several times per batch), and what it has written so far can be taken
    (`answered`) while it works on the rest."""

    def __init__(self, toplevel: Path):
        self.toplevel = toplevel
        self._process: Process | None = None
        self._asked: list[str] = []
        self._taken = 0
        """How many of the answers were taken, and how many bytes of the spool they filled."""
        self._offset = 0

    def ask(self, blob: str) -> None:
        """Have one more blob read (its id written to git now, its contents collected later)."""
        if self._process is None:
            self._process = Process(self.toplevel, "cat-file", "--batch", "--buffer", stdin=True, spool=True)
        self._process.stdin.write(f"{blob}\n".encode("ascii"))
        self._asked.append(blob)

    def answered(self) -> list[tuple[str, bytes | None]]:
        """The answers git has written in full since the last call, in the order asked (as `collect` gives them)."""
        if self._process is None:
            return []
        # The ids written so far reach git now: it answers them while the caller goes on.
        self._process.stdin.flush()
        return self._take(self._process.spooled(self._offset), final=False)

    def collect(self) -> list[tuple[str, bytes | None]]:
        """Each blob asked for and not yet taken, and its contents, in the order asked; None for a blob the
        repository lacks."""
        process, self._process = self._process, None
        if process is None:
            return []
        output = process.finish()
        contents = self._take(output[self._offset:], final=True)
        self._asked, self._taken, self._offset = [], 0, 0
        return contents

    def _take(self, output: bytes, *, final: bool) -> list[tuple[str, bytes | None]]:
        contents: list[tuple[str, bytes | None]] = []
        position = 0
        for blob in self._asked[self._taken:]:
            end = output.find(b"\n", position)
            if end < 0:
                if final:
                    raise GitError("git cat-file stopped early")
                break
            header = output[position:end].split()
            if len(header) != 3:  # `<id> missing`
                contents.append((blob, None))
                position = end + 1
                continue
            size = int(header[2])
            if end + 1 + size + 1 > len(output):
                if final:
                    raise GitError("git cat-file stopped early")
                break
            contents.append((blob, output[end + 1:end + 1 + size]))
            position = end + 1 + size + 1
        self._taken += len(contents)
        self._offset += position
        return contents

    def stop(self) -> None:
        """End the cat-file process early (after an error elsewhere)."""
        if self._process is not None:
            self._process.stop()
            self._process = None
            self._asked, self._taken, self._offset = [], 0, 0


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a commit's tree: a file, a folder, a link or a submodule."""

    path: str
    """Relative to the repository's top."""
    mode: str
    blob: str
    """The content's id; for a submodule, the commit it records."""

    @property
    def is_file(self) -> bool:
        """A regular file (not a symlink, 120000, whose content is only the path it points at)."""
        return self.mode in ("100644", "100755")

    @property
    def is_link(self) -> bool:
        """A symbolic link: its content is the path it points at."""
        return self.mode == "120000"

    @property
    def is_submodule(self) -> bool:
        """A gitlink: another repository's commit, checked out at `path`."""
        return self.mode == "160000"


def tree_entries(toplevel: Path, commit: str, paths: list[str], *, recursive: bool = True) -> list[TreeEntry]:
    """The entries under `paths` (from the repository's top) in `commit`'s tree; without `recursive`, the
    entries at those paths themselves."""
    if not paths:
        return []
    _, out = run(toplevel, "ls-tree", *(["-r"] if recursive else []), "-z", "--full-tree", commit, "--", *paths)
    entries = []
    for item in out.split(b"\0"):
        if item:
            info, _, path = item.partition(b"\t")
            mode, _, blob = info.decode("ascii").split()
            entries.append(TreeEntry(path.decode("utf-8", "surrogateescape"), mode, blob))
    return entries


def commit_of(cwd: Path, revision: str) -> str | None:
    """The commit a revision names (a branch, tag or hash, as `git rev-parse` reads it); None when none."""
    code, out = run(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}",
                    ok_codes=(0, 1, 128))
    return out.decode("ascii").strip() if code == 0 else None


def merge_base(cwd: Path, one: str, other: str) -> str | None:
    """The best common ancestor of two commits; None when they share no history."""
    code, out = run(cwd, "merge-base", one, other, ok_codes=(0, 1))
    return out.decode("ascii").strip() if code == 0 else None


def symbolic_ref(cwd: Path, name: str) -> str:
    """What a symbolic ref points at, short (`origin/main` for `refs/remotes/origin/HEAD`); "" when it is none."""
    code, out = run(cwd, "symbolic-ref", "--quiet", "--short", name, ok_codes=(0, 1, 128))
    return out.decode("utf-8", "replace").strip() if code == 0 else ""


def config_value(cwd: Path, key: str) -> str:
    """A git config value as git resolves it for `cwd` (repository, user, system); "" when unset."""
    code, out = run(cwd, "config", "--get", key, ok_codes=(0, 1, 128))
    return out.decode("utf-8", "replace").strip() if code == 0 else ""


def head_time(cwd: Path) -> str:
    """The HEAD commit's committer time in seconds since the epoch; "" outside git or before the first commit."""
    try:
        code, out = run(cwd, "log", "-1", "--format=%ct", ok_codes=(0, 128))
    except GitError:
        return ""
    stamp = out.decode("ascii", "replace").strip()
    return stamp if code == 0 and stamp.isdigit() else ""


def default_branch(cwd: Path) -> str | None:
    """origin/HEAD when the clone knows it, else `main`, else `master` (locally or on origin)."""
    remote_head = symbolic_ref(cwd, "refs/remotes/origin/HEAD")
    if remote_head:
        return remote_head
    for name in ("main", "master"):
        for candidate in (name, f"origin/{name}"):
            if commit_of(cwd, candidate):
                return candidate
    return None


def tracked(folder: Path) -> list[str]:
    """The files under `folder` that git tracks (committed or added), relative to it; none outside a repository."""
    try:
        _, out = run(folder, "ls-files", "-z", "--", ".")
    except GitError:  # no git, no repository, no such folder: nothing there is tracked
        return []
    return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]
