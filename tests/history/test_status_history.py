"""Decision status timelines, read from each committed version of the file."""

from __future__ import annotations

from tests.history.conftest import ANA, LI, ZOE, decision, history, identity


def test_a_decision_timeline_has_one_entry_per_status_change(repo, at):
    repo.write("decisions/0004-use-resnet.md", decision("Use ResNet", "proposed"))
    repo.commit("Propose ResNet (#12)", author=ZOE, date=at(1))
    repo.write("decisions/0004-use-resnet.md", decision("Use ResNet", "proposed", body="More context."))
    repo.commit("Reword the context", date=at(2))
    repo.write("decisions/0004-use-resnet.md", decision("Use ResNet", "accepted", body="More context."))
    repo.commit("Accept ResNet (#15)", author=LI, date=at(3))
    repo.write("decisions/0009-use-vit.md", decision("Use ViT", "accepted", supersedes="0004"))
    repo.write("decisions/0004-use-resnet.md", "---\ntitle: Use ResNet\nstatus: superseded by 0009\n---\nOld.\n")
    repo.commit("Supersede ResNet with ViT (#31)", author=ANA, date=at(4))

    timeline = history(repo.path).provenance("decisions/0004-use-resnet.md").status_history

    assert [(s.status, s.superseded_by, s.change.author, s.change.pr, s.change.day) for s in timeline] == [
        ("proposed", (), "Zoë Ångström", 12, "2026-02-01"),
        ("accepted", (), "李雷", 15, "2026-02-03"),
        ("superseded", ("0009",), "Ana Lima", 31, "2026-02-04"),
    ]


def test_legacy_formats_and_a_status_changed_in_a_merged_branch(repo, at):
    nygard = "# 2. Use Kafka\n\nDate: 2026-01-02\n\n## Status\n\n{}\n\n## Context\n\nEvents.\n"
    repo.write("decisions/0002-use-kafka.md", nygard.format("Proposed"))
    repo.commit("Propose Kafka", date=at(1))
    repo.git("checkout", "-q", "-b", "review")
    repo.write("decisions/0002-use-kafka.md", nygard.format("Accepted"))
    repo.commit("Accept Kafka", author=LI, date=at(2))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge pull request #20 from team/review", "review",
             env=identity(ANA, at(3)))
    repo.write("decisions/0002-use-kafka.md", nygard.format("Superceded by [5. Use Pulsar](0005-use-pulsar.md)"))
    repo.commit("Kafka is superseded (#22)", date=at(4))

    timeline = history(repo.path).provenance("decisions/0002-use-kafka.md").status_history

    assert [(s.status, s.superseded_by, s.change.pr, s.change.author) for s in timeline] == [
        ("proposed", (), None, "Ana Lima"), ("accepted", (), 20, "李雷"), ("superseded", ("0005",), 22, "Ana Lima")]


def test_a_version_that_does_not_parse_is_skipped_and_other_kinds_have_no_timeline(repo, at):
    repo.write("decisions/0001-use-x.md", decision("Use X", "proposed"))
    repo.write("experiments/run.yaml", "title: Run\ndate: 2026-01-01\n")
    repo.commit("Start", date=at(1))
    repo.write("decisions/0001-use-x.md", "---\ntitle: [unclosed\n---\nBroken front matter.\n")
    repo.commit("Break the front matter", date=at(2))
    repo.write("decisions/0001-use-x.md", decision("Use X", "accepted"))
    repo.commit("Fix and accept", date=at(3))

    result = history(repo.path)

    assert [(s.status, s.change.subject) for s in result.provenance("decisions/0001-use-x.md").status_history] == [
        ("proposed", "Start"), ("accepted", "Fix and accept")]
    assert result.provenance("experiments/run.yaml").status_history == ()


def test_an_old_version_that_breaks_the_schema_still_gives_its_status(repo, at):
    # Old versions are read for their status only: a field the schema refused then does not hide it.
    repo.write("decisions/0003-use-y.md", "---\ntitle: Use Y\nstatus: proposed\ndate: 2026-01-01\ntags: 7\n"
                                          "deciders: {lead: ana}\n---\nContext.\n")
    repo.commit("Propose Y", date=at(1))
    repo.write("decisions/0003-use-y.md", decision("Use Y", "accepted"))
    repo.commit("Accept Y", date=at(2))

    timeline = history(repo.path).provenance("decisions/0003-use-y.md").status_history

    assert [(s.status, s.change.subject) for s in timeline] == [("proposed", "Propose Y"), ("accepted", "Accept Y")]


def test_log4brains_drafts_and_table_statuses_have_timelines_that_follow_git(repo, at):
    log4brains = "# Use slugs\n\n- Status: {}\n- Date: 2026-01-02\n\n## Context and Problem Statement\n\nWhy.\n"
    table = "# Use S3\n\n| Field | Value |\n| --- | --- |\n| Status | {} |\n| Author | Ana Lima |\n\n## Context\n"
    repo.write("decisions/20260102-use-slugs.md", log4brains.format("draft"))
    repo.write("decisions/0002-use-s3.md", table.format("Proposed"))
    repo.commit("Draft two decisions (#4)", author=ZOE, date=at(1))
    repo.write("decisions/20260102-use-slugs.md", log4brains.format("accepted"))
    repo.write("decisions/0002-use-s3.md", table.format("Accepted"))
    repo.commit("Accept both (#5)", author=LI, date=at(2))

    result = history(repo.path)

    for path in ("decisions/20260102-use-slugs.md", "decisions/0002-use-s3.md"):
        provenance = result.provenance(path)
        assert [(s.status, s.change.pr, s.change.author) for s in provenance.status_history] == [
            ("proposed", 4, "Zoë Ångström"), ("accepted", 5, "李雷")]
        assert [c.commit for c in provenance.changes] == repo.git("log", "--follow", "--format=%H", "--",
                                                                  path).split()
