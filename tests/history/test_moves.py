"""Records moved in from outside the record folders, and renamed record folders, keep their whole life."""

from __future__ import annotations

from mlreport.history import Provenance
from tests.history.conftest import LI, ZOE, decision, experiment, history
from tests.repos import GitRepo


def follow_log(repo: GitRepo, path: str) -> list[tuple[str, str, str]]:
    """(commit, author date, author) of every commit `git log --follow` gives for one file, newest first."""
    out = repo.git("log", "--follow", "-M", "--format=%H%x00%aI%x00%aN", "--", path)
    return [tuple(line.split("\0")) for line in out.splitlines()]  # type: ignore[misc]


def facts(provenance: Provenance) -> list[tuple[str, str, str]]:
    """The same facts as the history model gives them."""
    return [(c.commit, c.date, c.author) for c in provenance.changes]


def nygard(title: str, status: str, extra: str = "") -> str:
    """An adr-tools decision."""
    return f"# 1. {title}\n\nDate: 2017-03-01\n\n## Status\n\n{status}\n\n## Context\n\nWhy.{extra}\n"


def test_a_decision_log_moved_in_from_docs_adr_keeps_its_creation_changes_and_status_history(repo):
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Proposed"))
    repo.write("README.md", "The app.\n")
    created = repo.commit("Propose Kafka (#3)", author=ZOE, date="2017-03-01T09:00:00+01:00")
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Accepted"))
    repo.commit("Accept Kafka (#7)", author=LI, date="2018-06-02T10:00:00+00:00")
    repo.git("mv", "docs/adr", "decisions")
    moved = repo.commit("Move the ADRs where mlreport reads them (#42)", date="2021-10-19T12:00:00+00:00")
    repo.write("decisions/0001-use-kafka.md", nygard("Use Kafka", "Accepted", " More."))
    repo.commit("Reword (#43)", date="2021-11-01T12:00:00+00:00")

    provenance = history(repo.path).provenance("decisions/0001-use-kafka.md")

    assert facts(provenance) == follow_log(repo, "decisions/0001-use-kafka.md")
    assert (provenance.created.commit, provenance.created.date, provenance.created.author, provenance.created.pr) == (
        created, "2017-03-01T09:00:00+01:00", "Zoë Ångström", 3)
    assert [(c.action, c.pr, c.path) for c in provenance.changes] == [
        ("modified", 43, "decisions/0001-use-kafka.md"), ("renamed", 42, "decisions/0001-use-kafka.md"),
        ("modified", 7, "docs/adr/0001-use-kafka.md"), ("added", 3, "docs/adr/0001-use-kafka.md")]
    assert [(s.status, s.change.day, s.change.pr) for s in provenance.status_history] == [
        ("proposed", "2017-03-01", 3), ("accepted", "2018-06-02", 7)]
    assert provenance.changes[1].commit == moved


def test_a_move_and_an_edit_in_one_commit_and_a_chain_of_moves_are_followed(repo):
    repo.write("doc/architecture/0002-use-rest.md", nygard("Use REST", "Accepted", " " + "Long reasons. " * 20))
    created = repo.commit("Use REST", author=LI, date="2016-01-04T08:00:00+00:00")
    repo.git("mv", "doc/architecture", "docs")
    repo.commit("Docs folder", date="2017-01-04T08:00:00+00:00")
    repo.git("mv", "docs/0002-use-rest.md", "0002-use-rest.md")
    repo.commit("Flatten", date="2018-01-04T08:00:00+00:00")
    (repo.path / "decisions").mkdir()
    repo.git("mv", "0002-use-rest.md", "decisions/0002-use-rest.md")
    repo.write("decisions/0002-use-rest.md", nygard("Use REST", "Superseded by [3. Use gRPC](0003-use-grpc.md)",
                                                    " " + "Long reasons. " * 20))
    repo.commit("Adopt mlreport, REST is superseded (#50)", date="2019-01-04T08:00:00+00:00")

    provenance = history(repo.path).provenance("decisions/0002-use-rest.md")

    assert facts(provenance) == follow_log(repo, "decisions/0002-use-rest.md")
    assert len(provenance.changes) == 4
    assert (provenance.created.commit, provenance.created.author, provenance.created.pr) == (created, "李雷", None)
    assert [(s.status, s.change.day) for s in provenance.status_history] == [
        ("accepted", "2016-01-04"), ("superseded", "2019-01-04")]


def test_a_renamed_record_folder_is_followed_and_the_cache_remembers_it(repo):
    repo.write("experiments/resnet.yaml", experiment("ResNet"))
    created = repo.commit("ResNet (#5)", author=ZOE, date="2025-01-02T10:00:00+00:00")
    repo.write("experiments/resnet.yaml", experiment("ResNet", "tuned"))
    repo.commit("Tune (#6)", author=LI, date="2025-02-02T10:00:00+00:00")
    (repo.path / "records").mkdir()
    repo.git("mv", "experiments", "records/experiments")
    repo.commit("All records under records/ (#9)", date="2025-03-02T10:00:00+00:00")

    first = history(repo.path, experiments_dir="records/experiments")
    repo.write("records/experiments/resnet.yaml", experiment("ResNet", "final"))
    repo.commit("Final (#10)", date="2025-04-02T10:00:00+00:00")
    again = history(repo.path, experiments_dir="records/experiments")  # from the cache, plus one new commit

    for result, count in ((first, 3), (again, 4)):
        provenance = result.provenance("records/experiments/resnet.yaml")
        assert len(provenance.changes) == count
        assert (provenance.created.commit, provenance.created.author, provenance.created.pr) == (created, "Zoë Ångström", 5)
    assert facts(again.provenance("records/experiments/resnet.yaml")) == follow_log(
        repo, "records/experiments/resnet.yaml")
    assert [item.change.pr for item in again.feed] == [10, 9, 6, 5]


def test_a_record_really_created_in_its_folder_stays_added_there(repo):
    repo.write("notes/0001-old.md", decision("Old", "accepted"))
    repo.commit("An unrelated note", date="2025-01-02T10:00:00+00:00")
    repo.write("decisions/0001-use-x.md", decision("Use X", "accepted"))
    created = repo.commit("Use X (#4)", date="2025-02-02T10:00:00+00:00")

    provenance = history(repo.path).provenance("decisions/0001-use-x.md")

    assert [(c.commit, c.action) for c in provenance.changes] == [(created, "added")]


def test_a_move_in_among_the_commits_since_the_cached_head_reads_like_a_full_pass(repo):
    repo.write("decisions/0001-use-kafka.md", nygard("Use Kafka", "Accepted"))
    repo.write("docs/adr/0002-use-avro.md", nygard("Use Avro", "Proposed"))
    repo.commit("Kafka here, Avro elsewhere (#1)", author=ZOE, date="2024-01-02T10:00:00+00:00")
    history(repo.path)  # cached, following only decisions/
    repo.git("mv", "docs/adr/0002-use-avro.md", "decisions/0002-use-avro.md")
    repo.commit("Bring Avro in (#2)", author=LI, date="2024-02-02T10:00:00+00:00")

    incremental = history(repo.path)

    assert incremental == history(repo.path, cache_dir="cold")
    provenance = incremental.provenance("decisions/0002-use-avro.md")
    assert [(c.pr, c.action, c.author) for c in provenance.changes] == [
        (2, "renamed", "李雷"), (1, "added", "Zoë Ångström")]
    assert facts(provenance) == follow_log(repo, "decisions/0002-use-avro.md")


def test_a_commit_adding_records_beside_a_deletion_elsewhere_or_a_move_in_tells_them_apart(repo):
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Accepted"))
    repo.write("docs/old-notes.md", "Notes nobody reads.\n")
    created = repo.commit("Kafka (#1)", author=ZOE, date="2020-01-02T10:00:00+00:00")
    repo.git("rm", "-q", "docs/old-notes.md")
    repo.write("experiments/resnet.yaml", experiment("ResNet"))
    cleanup = repo.commit("ResNet, and old notes gone (#2)", author=LI, date="2021-01-02T10:00:00+00:00")
    (repo.path / "decisions").mkdir()
    repo.git("mv", "docs/adr/0001-use-kafka.md", "decisions/0001-use-kafka.md")
    repo.write("decisions/0002-use-avro.md", decision("Use Avro", "proposed", body="Schemas evolve. " * 20))
    moved = repo.commit("Kafka moved in, Avro new (#3)", date="2022-01-02T10:00:00+00:00")

    result = history(repo.path)

    # A deletion outside the record folders is no move: the experiment added beside it stays added there.
    assert [(c.commit, c.action) for c in result.provenance("experiments/resnet.yaml").changes] == [(cleanup, "added")]
    assert [(c.commit, c.action) for c in result.provenance("decisions/0002-use-avro.md").changes] == [(moved, "added")]
    kafka = result.provenance("decisions/0001-use-kafka.md")
    assert [(c.commit, c.action) for c in kafka.changes] == [(moved, "renamed"), (created, "added")]
    for path in ("experiments/resnet.yaml", "decisions/0001-use-kafka.md", "decisions/0002-use-avro.md"):
        assert facts(result.provenance(path)) == follow_log(repo, path)


def test_moves_are_followed_whatever_pathspec_settings_the_environment_holds(repo, monkeypatch):
    folder = "docs/adr [old] *"  # brackets and a star: a pattern, were it read as one
    repo.write(f"{folder}/0001-use-kafka.md", nygard("Use Kafka", "Proposed"))
    created = repo.commit("Propose Kafka (#3)", author=ZOE, date="2017-03-01T09:00:00+01:00")
    repo.git("mv", folder, "decisions")
    repo.commit("Adopt mlreport (#42)", date="2021-10-19T12:00:00+00:00")
    monkeypatch.setenv("GIT_LITERAL_PATHSPECS", "1")  # a user's shell setting, which would turn off pathspec magic

    provenance = history(repo.path).provenance("decisions/0001-use-kafka.md")

    assert (provenance.created.commit, provenance.created.author, provenance.created.pr) == (created, "Zoë Ångström", 3)
    assert facts(provenance) == follow_log(repo, "decisions/0001-use-kafka.md")


def test_a_commit_that_adds_or_moves_many_records_is_an_import_and_an_ordinary_one_is_not(repo, at):
    for number in range(1, 6):
        repo.write(f"docs/adr/000{number}-choice.md", decision(f"Choice {number}", "accepted"))
    repo.write("experiments/one.yaml", experiment("One"))
    repo.commit("Bring the log in (#4)", author=ZOE, date=at(1))
    repo.git("mv", "docs/adr", "decisions")
    repo.commit("Move the log where mlreport reads it (#5)", author=LI, date=at(2))
    repo.write("decisions/0001-choice.md", decision("Choice 1", "deprecated"))
    repo.write("experiments/two.yaml", experiment("Two"))
    repo.commit("Deprecate choice 1, add a run (#6)", author=LI, date=at(3))

    found = history(repo.path)
    first = found.provenance("decisions/0001-choice.md")
    assert [(c.pr, c.action, c.batch, c.imported) for c in first.changes] == [
        (6, "modified", 1, False), (5, "renamed", 5, True), (4, "added", 6, True)]
    assert [(c.pr, c.batch, c.imported) for c in found.provenance("experiments/two.yaml").changes] == [(6, 1, False)]
    assert [(s.status, s.change.imported) for s in first.status_history] == [("accepted", True), ("deprecated", False)]
