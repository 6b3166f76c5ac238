"""What a built page says of a record's life equals what `git log --follow` says of its file, on every kind of
history the pass follows: a folder moved in with years of history, a renamed record folder, a move and an edit in
one commit, a `.mailmap`, and an edit made only in a merge (which `--follow` does not list, by design: see below)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

import pytest

from tests.history.conftest import ANA, LI, ZOE, decision, experiment, identity
from tests.history.test_moves import nygard
from tests.repos import GitRepo


@dataclass(frozen=True)
class Fixture:
    """A repository's history, the record file it ends with and the page built for it."""

    path: str
    """The record's file at HEAD."""
    page: str
    """Its page in the generated site."""
    merge_only: tuple[str, ...] = ()
    """Commits the page lists that `git log --follow` does not: merges that edited the file themselves."""


def moved_folder(repo: GitRepo) -> Fixture:
    # Two years in docs/adr, then moved where mlreport reads decisions, then edited there.
    repo.write("README.md", "The app.\n")
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Proposed"))
    repo.commit("Propose Kafka (#3)", author=ZOE, date="2017-03-01T09:00:00+01:00")
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Accepted"))
    repo.commit("Accept Kafka (#7)", author=LI, date="2018-02-02T10:00:00+00:00")
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Accepted", " Measured."))
    repo.commit("Kafka measured (#11)", author=ANA, date="2019-03-03T10:00:00+00:00")
    repo.git("mv", "docs/adr", "decisions")
    repo.commit("Move the ADRs where mlreport reads them (#42)", date="2021-10-19T12:00:00+00:00")
    repo.write("decisions/0001-use-kafka.md", nygard("Use Kafka", "Accepted", " Reworded."))
    repo.commit("Reword (#43)", author=ZOE, date="2021-11-01T12:00:00+00:00")
    return Fixture("decisions/0001-use-kafka.md", "decisions/0001.html")


def renamed_record_folder(repo: GitRepo) -> Fixture:
    repo.write("experiments/resnet.yaml", experiment("ResNet"))
    repo.commit("ResNet (#5)", author=ZOE, date="2025-01-02T10:00:00+00:00")
    repo.write("experiments/resnet.yaml", experiment("ResNet", "tuned"))
    repo.commit("Tune (#6)", author=LI, date="2025-02-02T10:00:00+00:00")
    (repo.path / "records").mkdir()
    repo.git("mv", "experiments", "records/experiments")
    repo.write("mkdocs.yml", "site_name: Records\nplugins:\n  - mlreport:\n      experiments_dir: records/experiments\n")
    repo.commit("All records under records/ (#9)", date="2025-03-02T10:00:00+00:00")
    repo.write("records/experiments/resnet.yaml", experiment("ResNet", "final"))
    repo.commit("Final (#10)", author=ANA, date="2025-04-02T10:00:00+00:00")
    return Fixture("records/experiments/resnet.yaml", "experiments/resnet.html")


def move_and_edit_in_one_commit(repo: GitRepo) -> Fixture:
    reasons = " " + "Long reasons. " * 20
    repo.write("doc/architecture/0002-use-rest.md", nygard("Use REST", "Accepted", reasons))
    repo.commit("Use REST", author=LI, date="2016-01-04T08:00:00+00:00")
    repo.write("doc/architecture/0002-use-rest.md", nygard("Use REST", "Accepted", reasons + "Still."))
    repo.commit("Still REST (#2)", author=ZOE, date="2017-01-04T08:00:00+00:00")
    (repo.path / "decisions").mkdir()
    repo.git("mv", "doc/architecture/0002-use-rest.md", "decisions/0002-use-rest.md")
    repo.write("decisions/0002-use-rest.md", nygard("Use REST", "Superseded by [3. Use gRPC](0003-use-grpc.md)",
                                                    reasons + "Still."))
    repo.write("decisions/0003-use-grpc.md", nygard("Use gRPC", "Accepted"))
    repo.commit("Adopt mlreport, REST is superseded (#50)", date="2019-01-04T08:00:00+00:00")
    return Fixture("decisions/0002-use-rest.md", "decisions/0002.html")


def mailmap(repo: GitRepo) -> Fixture:
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed"))
    repo.commit("Propose Kafka", author="ana <ana@old.example>", date="2026-02-01T10:00:00+00:00")
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "accepted"))
    repo.commit("Accept Kafka", author=ANA, date="2026-02-02T10:00:00+00:00")
    repo.write(".mailmap", "Ana Lima <ana@example.com> ana <ana@old.example>\n")
    repo.commit("One name for Ana", author=ANA, date="2026-02-03T10:00:00+00:00")
    return Fixture("decisions/0001-use-kafka.md", "decisions/0001.html")


def merge_only_edit(repo: GitRepo) -> Fixture:
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed"))
    repo.commit("Propose Kafka (#1)", author=ZOE, date="2026-02-01T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed", body="Context, on the branch."))
    repo.commit("Kafka context", author=LI, date="2026-02-02T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write("decisions/0002-use-avro.md", decision("Use Avro", "proposed"))
    repo.commit("Propose Avro (#2)", author=ZOE, date="2026-02-03T10:00:00+00:00")
    # The status is changed while merging: an edit no parent has, made in the merge commit alone.
    repo.git("merge", "--no-ff", "--no-commit", "-q", "topic", env=identity(ANA, "2026-02-04T10:00:00+00:00"))
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "accepted", body="Context, on the branch."))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Merge pull request #7 from team/topic",
             env=identity(ANA, "2026-02-04T10:00:00+00:00"))
    merge = repo.git("rev-parse", "HEAD").strip()
    return Fixture("decisions/0001-use-kafka.md", "decisions/0001.html", merge_only=(merge,))


FIXTURES: dict[str, Callable[[GitRepo], Fixture]] = {
    "moved folder with two years of history": moved_folder,
    "renamed record folder": renamed_record_folder,
    "move and edit in one commit": move_and_edit_in_one_commit,
    ".mailmap": mailmap,
    "merge-only edit": merge_only_edit,
}


def follow(repo: GitRepo, path: str) -> list[tuple[str, str, str]]:
    """(commit, day, author) of each commit `git log --follow` lists for the file, newest first (%aN: through
    .mailmap, as the pages show authors)."""
    out = repo.git("log", "--follow", "--format=%H%x00%aI%x00%aN", "--", path)
    return [(sha, date[:10], author) for sha, date, author in (line.split("\0") for line in out.splitlines())]


_ROW = re.compile(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td>(.*?)</td><td>.*?</td><td>(?:<a [^>]*>)?<code>([0-9a-f]{8})</code>")
_ADDED = re.compile(r"<strong>(?:Added|recorded)</strong> (\d{4}-\d\d-\d\d) by (.*?)(?: in (?:<a [^>]*>)?#\d+(?:</a>)?)? "
                    r"\((?:<a [^>]*>)?<code>([0-9a-f]{8})</code>")


def page_facts(page: str) -> tuple[tuple[str, str, str], int, list[tuple[str, str, str]]]:
    """What the page says: the creation (day, author, short commit), the change count, and each change's row."""
    provenance = page[page.index('<div class="mlr-provenance">'):]
    created = _ADDED.search(provenance)
    count = re.search(r"Change history \((\d+) commits?\)", provenance)
    assert created and count, provenance[:600]
    day, author, short = created.groups()
    rows = [(short_sha, day_, html.unescape(who)) for day_, who, short_sha in _ROW.findall(provenance)]
    return (day, html.unescape(author), short), int(count.group(1)), rows


@pytest.mark.parametrize("build", FIXTURES.values(), ids=FIXTURES.keys())
def test_the_page_says_what_git_log_follow_says_of_the_file(repo, cli, build):
    fixture = build(repo)
    out = repo.path.parent / "generated"

    result = cli("generate", "--root", str(repo.path), "--out", str(out))

    assert result.exit_code == 0, result.output
    created, count, rows = page_facts((out / fixture.page).read_text(encoding="utf-8"))
    followed = follow(repo, fixture.path)
    # `git log --follow` shows no diff of a merge, so it never lists a merge for a file, not even one that edited
    # the file itself (`--cc --follow` would show that edit): the page lists such a merge as a change, by whoever
    # merged, and is otherwise the same list.
    listed = [row for row in rows if not any(sha.startswith(row[0]) for sha in fixture.merge_only)]
    assert len(listed) == len(rows) - len(fixture.merge_only)
    assert listed == [(sha[:8], day, author) for sha, day, author in followed]
    assert count == len(followed) + len(fixture.merge_only) == len(rows)
    first_sha, first_day, first_author = followed[-1]
    assert created == (first_day, first_author, first_sha[:8])
    assert len(followed) > 1  # each fixture has a history to follow, not one commit
