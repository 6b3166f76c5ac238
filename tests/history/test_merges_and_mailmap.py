"""Edits made in a merge, authors through .mailmap, and what the built page says of a decision's dates."""

from __future__ import annotations

import os
import re
import subprocess

from tests.history.conftest import ANA, LI, ZOE, decision, experiment, history, identity
from tests.history.test_moves import nygard


def test_an_edit_made_only_in_the_merge_commit_is_a_change_of_the_record(repo, at):
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed"))
    repo.commit("Propose Kafka (#1)", author=ZOE, date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("decisions/0002-use-avro.md", decision("Use Avro", "proposed"))
    repo.commit("Propose Avro", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--no-ff", "--no-commit", "-q", "topic", env=identity(ANA, at(3)))
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "accepted"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Merge pull request #7 from team/topic", env=identity(ANA, at(3)))

    provenance = history(repo.path).provenance("decisions/0001-use-kafka.md")

    shown = repo.git("log", "--cc", "--follow", "--format=%H", "--", "decisions/0001-use-kafka.md").split()
    assert [c.commit for c in provenance.changes] == [sha for sha in shown if re.fullmatch("[0-9a-f]{40}", sha)]
    assert [(c.subject, c.author, c.pr, c.action) for c in provenance.changes] == [
        ("Merge pull request #7 from team/topic", "Ana Lima", 7, "modified"),
        ("Propose Kafka (#1)", "Zoë Ångström", 1, "added")]
    assert [(s.status, s.change.pr) for s in provenance.status_history] == [("proposed", 1), ("accepted", 7)]
    # A merge that only brings the branch's own edits in adds nothing to them.
    assert [c.subject for c in history(repo.path).provenance("decisions/0002-use-avro.md").changes] == ["Propose Avro"]


def cc_follow(repo, path: str) -> list[str]:
    """The commits `git log --cc --follow` shows a diff of for one file (a merge with its own edits among them),
    newest first: it lists a merge whose combined diff is empty too, with no diff."""
    shown = repo.git("log", "--cc", "--follow", "--format=%x00%H", "--", path).split("\0")[1:]
    return [section[:40] for section in shown if "\ndiff --" in section]


def test_merges_that_edit_no_record_add_no_change_and_one_that_resolves_a_conflict_does(repo, at):
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed"))
    repo.write("experiments/resnet.yaml", experiment("ResNet"))
    repo.write("README.md", "The app.\n")
    repo.commit("Start (#1)", author=ZOE, date=at(1))
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("experiments/resnet.yaml", experiment("ResNet", "tuned on the branch"))
    repo.commit("Tune ResNet", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "accepted"))
    repo.commit("Accept Kafka (#2)", author=ZOE, date=at(3))
    # Both sides changed records, different ones; the merge itself edits only the README.
    repo.git("merge", "--no-ff", "--no-commit", "-q", "topic", env=identity(ANA, at(4)))
    repo.write("README.md", "The app, merged.\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Merge pull request #3 from team/topic", env=identity(ANA, at(4)))
    repo.git("checkout", "-q", "-b", "other", "HEAD~1")
    repo.write("experiments/resnet.yaml", experiment("ResNet", "tuned elsewhere"))
    repo.commit("Tune ResNet another way", author=LI, date=at(5))
    repo.git("checkout", "-q", "main")
    conflict = subprocess.run(["git", "merge", "--no-ff", "--no-commit", "-q", "other"], cwd=repo.path,
                              env={**os.environ, **identity(ANA, at(6))}, capture_output=True, check=False)
    assert conflict.returncode == 1  # both branches tuned ResNet's notes
    repo.write("experiments/resnet.yaml", experiment("ResNet", "both tunings"))  # resolved by hand
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Merge pull request #4 from team/other", env=identity(ANA, at(6)))

    result = history(repo.path)

    kafka, resnet = result.provenance("decisions/0001-use-kafka.md"), result.provenance("experiments/resnet.yaml")
    assert [c.commit for c in kafka.changes] == cc_follow(repo, "decisions/0001-use-kafka.md")
    assert [c.subject for c in kafka.changes] == ["Accept Kafka (#2)", "Start (#1)"]
    assert [c.commit for c in resnet.changes] == cc_follow(repo, "experiments/resnet.yaml")
    assert [(c.subject, c.author, c.pr) for c in resnet.changes] == [
        ("Merge pull request #4 from team/other", "Ana Lima", 4), ("Tune ResNet another way", "李雷", 4),
        ("Tune ResNet", "李雷", 3), ("Start (#1)", "Zoë Ångström", 1)]


def test_mailmap_gives_one_person_one_name_and_a_new_mailmap_is_not_hidden_by_the_cache(repo, at):
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "proposed"))
    repo.commit("Propose Kafka", author="ana <ana@old.example>", date=at(1))
    repo.write("decisions/0001-use-kafka.md", decision("Use Kafka", "accepted"))
    repo.commit("Accept Kafka", author=ANA, date=at(2))
    before = history(repo.path).provenance("decisions/0001-use-kafka.md")
    repo.write(".mailmap", "Ana Lima <ana@example.com> ana <ana@old.example>\n")

    after = history(repo.path).provenance("decisions/0001-use-kafka.md")

    assert [(c.author, c.email) for c in before.changes] == [("Ana Lima", "ana@example.com"),
                                                             ("ana", "ana@old.example")]
    assert [(c.author, c.email) for c in after.changes] == [("Ana Lima", "ana@example.com")] * 2
    assert [c.author for c in after.changes] == repo.git("log", "--follow", "--format=%aN", "--",
                                                         "decisions/0001-use-kafka.md").splitlines()


def test_the_built_page_dates_a_moved_log_by_its_creation_and_decisions_added_late_as_recorded(repo, cli):
    repo.write("docs/adr/0001-use-kafka.md", nygard("Use Kafka", "Accepted"))
    repo.commit("Accept Kafka (#3)", author=ZOE, date="2017-03-01T09:00:00+01:00")
    repo.git("mv", "docs/adr", "decisions")
    repo.write("decisions/0002-use-rest.md", nygard("Use REST", "Superseded by [3. Use gRPC](0003-use-grpc.md)"))
    repo.write("decisions/0003-use-grpc.md", nygard("Use gRPC", "Accepted"))
    repo.commit("Adopt mlreport (#42)", author=LI, date="2021-10-19T12:00:00+00:00")
    out = repo.path.parent / "site"

    result = cli("generate", "--root", str(repo.path), "--out", str(out))

    assert result.exit_code == 0, result.output
    moved = (out / "decisions" / "0001.html").read_text(encoding="utf-8")
    assert "<strong>Added</strong> 2017-03-01 by Zoë Ångström in #3" in moved
    assert "Change history (2 commits)" in moved
    assert "accepted</span> on 2017-03-01 by Zoë Ångström in #3" in moved
    superseded = (out / "decisions" / "0002.html").read_text(encoding="utf-8")
    # Added already superseded, saying no date for it: the commit recorded it, it did not supersede it then.
    assert ('superseded</span> by <a href="../0003/">0003</a> <small>(recorded 2021-10-19 by 李雷 in #42)</small></li>'
            in superseded)
    assert 'superseded</span> by <a href="../0003/">0003</a> on' not in superseded
    # Added accepted long after its own date: accepted that day, the commit only recorded it.
    newer = (out / "decisions" / "0003.html").read_text(encoding="utf-8")
    assert "accepted</span> on 2017-03-01 <small>(recorded 2021-10-19 by 李雷 in #42)</small></li>" in newer
    assert "<strong>Dated</strong> 2017-03-01 · <strong>recorded</strong> 2021-10-19 by 李雷 in #42" in newer
