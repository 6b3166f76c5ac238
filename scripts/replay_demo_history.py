"""Replay the demo team's year as git history, so the demo site's timelines and feeds tell a true story.

This repository holds the demo team's records (experiments/, decisions/, models/) as they are at
the end of their year, committed in a couple of commits. This script writes them into a fresh
repository as the team would have: each record added on its own `date` by its first author, on
a branch merged as "Merge pull request #N"; a decision that was superseded or deprecated added
first as accepted, and a model card in production or deprecated first as the status before it
(candidate, production), each changed on its `status_date` in a pull request of its own. Author and
committer dates are the records' own, so every date the site shows is one the records state.

    python scripts/replay_demo_history.py OUT
    mlreport build --root OUT     # or: mlreport serve --root OUT

OUT must not exist or be an empty folder: nothing already there is touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlreport.config import load_options
from mlreport.records import Decision, ModelCard, Record, load_records
from mlreport.records.kinds import BY_NAME

SOURCE = Path(__file__).resolve().parent.parent
SITE_FILES = (".gitignore", "mkdocs.yml", "docs")
"""What the site needs besides the record folders; committed first, with the folders' own READMEs."""
MAINTAINER = "priya.raman"
"""Who merges the pull requests."""
TIMEZONE = dt.timezone(dt.timedelta(hours=1))
_STATUS_LINE = re.compile(r"^status:.*$", re.M)
_DROPPED_LINES = re.compile(r"^(?:superseded_by|status_date):.*\n", re.M)
_EARLIER_STATUS = {
    "decision": {"superseded": "accepted", "deprecated": "accepted"},
    "model": {"production": "candidate", "deprecated": "production"},
}
"""Statuses a record reaches after another (by kind): the record is added in the earlier one, and the
change to its own is replayed on its `status_date`."""


@dataclass
class Commit:
    """One commit on a pull request's branch."""

    person: str
    message: str
    files: dict[str, bytes]
    """Path relative to the repository → content."""


@dataclass
class PullRequest:
    """A branch of commits, merged on its day."""

    day: dt.date
    title: str
    branch: str
    commits: list[Commit] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, plan the year, replay it into OUT."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path, help="a new (or empty) folder for the repository")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the repository holding the records")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"{out} already exists and is not an empty folder: give a new one", file=sys.stderr)
        return 1
    source = args.source.resolve()
    setup, pulls = plan(source)
    replay(out, setup, pulls)
    print(f"replayed {len(pulls)} pull requests ({sum(len(p.commits) for p in pulls)} commits) into {out}")
    print(f"see the demo with its history: mlreport serve --root {out}")
    return 0


def plan(source: Path) -> tuple[Commit, list[PullRequest]]:
    """The first commit (the site's configuration) and the year's pull requests, oldest first."""
    options = load_options(source)
    loaded = load_records(options)
    records: list[Record] = [*loaded.experiments, *loaded.decisions, *loaded.models]
    owned: set[str] = set()
    by_day: dict[tuple[dt.date, str], PullRequest] = {}

    def pull(day: dt.date, kind: str) -> PullRequest:
        key = (day, kind)
        if key not in by_day:
            by_day[key] = PullRequest(day, "", f"{kind}-{day.isoformat()}")
        return by_day[key]

    for record in records:
        files = _record_files(source, options, record)
        owned |= set(files)
        day = record.date or dt.date(2026, 1, 1)
        person = _person(record)
        label = BY_NAME[record.kind].label
        later = _later_status(record)
        first = dict(files)
        if later:
            first[record.path] = _as_earlier(files[record.path], _EARLIER_STATUS[record.kind][record.status])
        pull(day, "records").commits.append(Commit(person, f"Add {label} {record.id}: {record.title}", first))
        if later:
            status, when = later
            pull(when, "status").commits.append(
                Commit(person, f"Mark {label} {record.id} {status}", {record.path: files[record.path]}))
    setup = Commit(MAINTAINER, "Set up the team's records site", {
        path: (source / path).read_bytes() for path in _tracked(source, SITE_FILES + _record_folders(options, source))
        if path not in owned})
    pulls = sorted(by_day.values(), key=lambda p: (p.day, p.branch))
    for number, request in enumerate(pulls, 1):
        request.title = request.commits[0].message if len(request.commits) == 1 else \
            f"{request.commits[0].message} and {len(request.commits) - 1} more"
        request.branch = f"{number}-{request.branch}"
    return setup, pulls


def replay(out: Path, setup: Commit, pulls: list[PullRequest]) -> None:
    """Write the repository: the setup commit a week before the first pull request, then each one merged."""
    out.mkdir(parents=True, exist_ok=True)
    git = _Git(out)
    git("init", "-q", "-b", "main")
    start = pulls[0].day - dt.timedelta(days=7) if pulls else dt.date(2026, 1, 1)
    git.commit(setup, _at(start, 9))
    for number, request in enumerate(pulls, 1):
        git("checkout", "-q", "-b", request.branch, "main")
        for minute, commit in enumerate(request.commits):
            git.commit(commit, _at(request.day, 10, minute))
        git("checkout", "-q", "main")
        git("merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from northwind/{request.branch}\n\n"
            f"{request.title}", request.branch, env=_identity(MAINTAINER, _at(request.day, 17)))
        git("branch", "-q", "-d", request.branch)


class _Git:
    """git in one repository, with the author and dates each commit asks for."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> str:
        environment = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
        done = subprocess.run(["git", *args], cwd=self.root, env=environment, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def commit(self, commit: Commit, when: str) -> None:
        for path, content in commit.files.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        self("add", "-A")
        self("commit", "-q", "-m", commit.message, env=_identity(commit.person, when))


def _record_files(source: Path, options: object, record: Record) -> dict[str, bytes]:
    """The record's file, and every file of its folder when it is in the directory form."""
    path = source / record.path
    if BY_NAME[record.kind].owns_folder(path, options):  # type: ignore[arg-type]
        folder = path.parent.relative_to(source).as_posix()
        return {name: (source / name).read_bytes() for name in _tracked(source, (folder,))}
    return {record.path: path.read_bytes()}


def _later_status(record: Record) -> tuple[str, dt.date] | None:
    """(status, day) for a decision or card that reached its status after an earlier one, on a day it states."""
    if not isinstance(record, (Decision, ModelCard)) or not record.status_date:
        return None
    if record.status not in _EARLIER_STATUS[record.kind]:
        return None
    if not record.date or record.status_date <= record.date:
        return None
    return record.status, record.status_date


def _as_earlier(text: bytes, status: str) -> bytes:
    """The record as it read before it reached its status: in `status`, without what dates the change."""
    decoded = _DROPPED_LINES.sub("", text.decode("utf-8"))
    return _STATUS_LINE.sub(f"status: {status}", decoded, count=1).encode("utf-8")


def _person(record: Record) -> str:
    people = getattr(record, BY_NAME[record.kind].people)
    return people[0] if people else MAINTAINER


def _identity(person: str, when: str) -> dict[str, str]:
    """The author and committer a handle stands for (`priya.raman` → Priya Raman), on `when`."""
    name = " ".join(part.capitalize() for part in person.split("."))
    email = f"{person}@northwind.example"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": when}


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TIMEZONE).isoformat()


def _record_folders(options: object, source: Path) -> tuple[str, ...]:
    folders = (getattr(options, kind.folder_option) for kind in BY_NAME.values())
    return tuple(str(folder) for folder in folders if folder and (source / str(folder)).is_dir())


def _tracked(source: Path, paths: tuple[str, ...]) -> list[str]:
    """The files git keeps (or would keep: new, not ignored) under `paths`, relative to `source`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *paths],
                            cwd=source, capture_output=True, check=True).stdout
    files = [name.decode("utf-8") for name in listed.split(b"\0") if name]
    return sorted(name for name in files if (source / name).is_file())


if __name__ == "__main__":
    if shutil.which("git") is None:
        raise SystemExit("git is needed to replay the history")
    raise SystemExit(main())
