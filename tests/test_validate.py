"""Validation rules: each one's exact message and position, and every problem of a repo in one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlreport.cli import main

BROKEN = Path(__file__).parent / "fixtures" / "broken"

# What `mlreport validate` says about tests/fixtures/broken: one rule broken once per file.
EXPECTED = {
    "schema type": "experiments/type-error.yaml:3:7: error: `tags` must be a list; found string 'churn' "
                   "(write a YAML list: `tags: [vision, baseline]`)",
    "nested metric type": "experiments/metric-not-number.yaml:5:15: error: `metrics.test.accuracy` must be a number "
                          "or a mapping; found string '0.91' (metrics are numbers; quote nothing, and nest groups "
                          "as mappings)",
    "missing required key": "experiments/missing-date.yaml:1:1: error: missing required key `date` in the record "
                            "(add `date: YYYY-MM-DD`)",
    "enum with did-you-mean": "experiments/bad-status.yaml:3:9: error: `status` must be one of planned, running, "
                              "completed, failed, abandoned; found string 'complete' (did you mean `completed`?)",
    "model card enum": "models/bad-status.md:3:9: error: `status` must be one of development, candidate, production, "
                       "deprecated; found string 'prod' (did you mean `production`?)",
    "bad id syntax": "experiments/bad-id.yaml:1:5: error: `id` is not a valid id: found string 'XGBoost Run 1' "
                     "(use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit)",
    "bad date": "experiments/bad-date.yaml:2:7: error: `date` must be a date; found string '2026-13-01' "
                "(write dates as YYYY-MM-DD)",
    "unknown key": "experiments/unknown-key.yaml:3:1: warning: unknown key `metric` (did you mean `metrics`?)",
    "baseline unknown": "experiments/baseline-unknown.yaml:3:11: error: `baseline` refers to unknown experiment "
                        "`good-baselin` (did you mean `good-baseline`?)",
    "baseline self": "experiments/baseline-self.yaml:3:11: error: `baseline` names the experiment itself "
                     "(point it at the earlier experiment this one improves on)",
    "evidence unknown": "decisions/0002-evidence-unknown.md:4:27: error: `evidence` refers to unknown experiment "
                        "`gbm-churn-v3` (did you mean `gbm-churn`?)",
    "models unknown": "decisions/0003-models-unknown.md:4:10: error: `models` refers to unknown model card "
                      "`churn-gbm` (no model card has the id `churn-gbm`)",
    "supersedes unknown": "decisions/0004-supersedes-unknown.md:4:14: error: `supersedes` refers to unknown decision "
                          "`0099` (no decision is numbered 0099; decisions run from 0001 to 0013)",
    "superseded_by unknown": "decisions/0005-superseded-by-unknown.md:4:16: error: `superseded_by` refers to unknown "
                             "decision `98` (no decision is numbered 98; decisions run from 0001 to 0013)",
    "card lacks a section its status requires": "models/governance-gaps.md:3:9: warning: a production model card "
                                                "needs a `Bias, Risks, and Limitations` section; this one has none "
                                                "(add `## Bias, Risks, and Limitations` to the card, as in the "
                                                "Hugging Face template)",
    "card section with only placeholders": "models/governance-gaps.md:17:1: warning: section `Out-of-Scope Use` of a "
                                           "production model card holds only template placeholders (write what the "
                                           "section asks for; the template's placeholders do not count)",
    "card section with a jinja placeholder": "models/governance-gaps.md:25:1: warning: section `Evaluation` of a "
                                             "production model card holds only template placeholders (write what "
                                             "the section asks for; the template's placeholders do not count)",
    "evaluation experiment unknown": "models/evaluation-unknown.md:5:17: error: `evaluations` refers to unknown "
                                     "experiment `good-baseline-v2` (did you mean `good-baseline`?)",
    "evaluation metric missing": "models/metric-missing.md:6:15: error: experiment `good-baseline` has no metric "
                                 "`test.acuracy` (did you mean `test.accuracy`?)",
    "model card decisions unknown": "models/decisions-unknown.md:4:16: error: `decisions` refers to unknown decision "
                                    "`42` (no decision is numbered 42; decisions run from 0001 to 0013)",
    "duplicate experiment id": "experiments/2026/gbm-churn.yaml:1:1: error: duplicate experiment id `gbm-churn`: "
                               "experiments/2025/gbm-churn.yaml has it too (ids must be unique across all "
                               "subfolders; rename one)",
    "duplicate decision id": "decisions/0012-duplicate-b.md:1:1: error: duplicate decision id `0012`: "
                             "decisions/0012-duplicate-a.md has it too (renumber one of them to 0016, the next "
                             "free number)",
    "supersede cycle": "decisions/0006-cycle-a.md:4:13: error: supersede cycle: 0006 is superseded by 0007, which is "
                       "superseded by 0006 (a decision can only be superseded by a newer one; remove one link)",
    "stale status": "decisions/0008-stale-status.md:2:9: warning: decision is superseded by 0009 but its status "
                    "still says accepted (set `status: superseded`)",
    "superseded without successor": "decisions/0010-superseded-without-successor.md:2:9: warning: decision says "
                                    "superseded but nothing supersedes it (add `supersedes: [\"0010\"]` to the "
                                    "newer decision, or `superseded_by:` here)",
    "decision without status": "decisions/0011-no-status.md:1:1: warning: decision has no status; it shows as "
                               "unknown (add `status:` to the front matter; one of proposed, accepted, rejected, "
                               "deprecated, superseded)",
    "unknown decision status": "decisions/0013-status-typo.md:2:9: warning: unknown decision status 'acepted'; "
                               "it shows as unknown (did you mean `accepted`?)",
    "decision without title": "decisions/0014-no-title.md:5:1: error: decision has no title (add `title:` to the "
                              "front matter or a `# Title` heading)",
    "front matter YAML error": "decisions/0015-bad-front-matter.md:4:11: error: invalid YAML: the front matter ends "
                               "inside a `[` list that starts here (add the closing `]`)",
    "model card without front matter": "models/no-front-matter.md:1:1: error: model card has no front matter (start "
                                       "the card with a YAML block between two `---` lines, holding at least "
                                       "`name:`)",
    "history escapes its folder": "experiments/history-escape.yaml:3:10: error: `history` points outside the "
                                  "project: '../../etc/passwd' (keep history files inside the project's folder)",
    "history file missing": "experiments/history-missing.yaml:3:10: error: `history` file not found: "
                            "'curves/history-missing.csv' (paths are relative to experiments/ "
                            "or to the project's top folder)",
    "history without step column": "experiments/history-no-step/history.csv:1:1: error: history file has no `step` "
                                   "column; its columns are: 'epoch, train_loss, val_loss' (the first line names the "
                                   "columns: step, then one column per metric)",
    "YAML syntax error": "experiments/yaml-syntax.yaml:1:8: error: invalid YAML: the file ends inside a quoted "
                         "string that starts here (add the closing quote)",
    "tab indentation": "experiments/tabs.yaml:4:1: error: invalid YAML: a tab character is used for indentation "
                       "(YAML indents with spaces only; replace the tab with spaces)",
    "not UTF-8": "experiments/not-utf8.yaml:1:11: error: file is not valid UTF-8 (byte 0xe9) (re-save the file "
                 "with UTF-8 encoding)",
    "empty file": "experiments/empty.yaml:1:1: error: file is empty (a record is a YAML mapping with at least "
                  "`title` and `date`)",
    "not a mapping": "experiments/not-a-mapping.yaml:1:1: error: expected a mapping of keys to values, found a list "
                     "(write `key: value` lines, starting with `title: …`)",
    "duplicate key": "experiments/duplicate-key.yaml:5:1: error: duplicate key `metrics`: line 3 has it too "
                     "(YAML keeps only the last one; merge the two)",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """`mlreport validate` over a copy of the broken fixture repo (validate keeps its record cache in the
    repo), run once for every test here."""
    root = tmp_path_factory.mktemp("fixture") / "broken"
    shutil.copytree(BROKEN, root)
    return CliRunner().invoke(main, ["validate", "--root", str(root)], catch_exceptions=False)


@pytest.mark.parametrize("rule", EXPECTED)
def test_rule_message_and_position(broken: Result, rule: str) -> None:
    assert EXPECTED[rule] in broken.stdout.splitlines()


def test_every_problem_reported_in_one_run(broken: Result) -> None:
    lines = broken.stdout.splitlines()
    assert broken.exit_code == 1
    assert len(lines) >= 20
    # Nothing more than the rules broken (the good records stay quiet), each reported once.
    assert sorted(lines) == sorted(EXPECTED.values())
    assert "Traceback" not in broken.output
    assert broken.stderr.strip() == "14 experiments, 13 decisions, 6 model cards: 31 errors, 8 warnings"


def test_supersede_cycle_of_three_reported_once(repo, cli) -> None:
    for number, older in (("0001", "0003"), ("0002", "0001"), ("0003", "0002")):
        repo.write(f"decisions/{number}-step.md", f"""
            ---
            status: superseded
            supersedes: ["{older}"]
            ---
            # Step {number}
            """)
    result = cli("validate", "--root", repo.path)
    assert result.stdout.splitlines() == [
        "decisions/0001-step.md:3:13: error: supersede cycle: 0001 is superseded by 0002, which is superseded by "
        "0003, which is superseded by 0001 (a decision can only be superseded by a newer one; remove one link)"]
    assert result.exit_code == 1


def test_supersede_link_in_a_status_line_counts_on_the_other_side(repo, cli) -> None:
    repo.write("decisions/0001-old.md", """
        # 1. Old

        ## Status

        Superseded by [2. New](0002-new.md)
        """)
    repo.write("decisions/0002-new.md", """
        # 2. New

        ## Status

        Accepted
        """)
    result = cli("validate", "--strict", "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_stale_status_written_in_a_legacy_status_line(repo, cli) -> None:
    repo.write("decisions/0001-old.md", "# Old\n\n* Status: accepted\n* Date: 2020-01-01\n")
    repo.write("decisions/0002-new.md",
               "# New\n\n* Status: accepted\n\n## Links\n\n* Supersedes [ADR-0001](0001-old.md)\n")
    result = cli("validate", "--root", repo.path)
    assert result.stdout.splitlines() == [
        "decisions/0001-old.md:3:1: warning: decision is superseded by 0002 but its status still says accepted "
        "(change its status to `Superseded by 0002`)"]
    assert result.exit_code == 0


def test_superseded_without_successor_in_a_legacy_status_section(repo, cli) -> None:
    repo.write("decisions/0001-old.md", "# 1. Old\n\nDate: 2019-05-02\n\n## Status\n\nSuperseded\n")
    result = cli("validate", "--root", repo.path)
    assert result.stdout.splitlines() == [
        "decisions/0001-old.md:7:1: warning: decision says superseded but nothing supersedes it "
        "(name the newer decision: `Superseded by [its title](its-file.md)`)"]


def test_references_to_unreadable_records_are_not_reported_twice(repo, cli) -> None:
    repo.write("experiments/base.yaml", 'title: "Base\ndate: 2026-01-01\n')
    repo.write("experiments/next/experiment.yaml", "title: Next\ndate: 2026-01-02\nbaseline: base\n")
    repo.write("decisions/0001-old.md", "---\nstatus: [superseded\n---\n# Old\n")
    repo.write("decisions/0002-new.md", "---\nstatus: accepted\nsupersedes: [1]\nevidence: [base, next]\n---\n# New\n")
    repo.write("models/card.md", "---\nname: Card\ndecisions: [1]\nevaluations: [{experiment: base}]\n---\n")
    result = cli("validate", "--root", repo.path)
    assert result.stdout.splitlines() == [
        "decisions/0001-old.md:2:9: error: invalid YAML: the front matter ends inside a `[` list that starts here "
        "(add the closing `]`)",
        "experiments/base.yaml:1:8: error: invalid YAML: the file ends inside a quoted string that starts here "
        "(add the closing quote)",
    ]


def test_duplicate_id_written_in_the_record_points_at_it(repo, cli) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-01\n")
    repo.write("experiments/q1/b.yaml", "title: B\ndate: 2026-01-02\nid: a\n")
    result = cli("validate", "--root", repo.path)
    assert result.stdout.splitlines() == [
        "experiments/q1/b.yaml:3:5: error: duplicate experiment id `a`: experiments/a.yaml has it too "
        "(ids must be unique across all subfolders; rename one)"]


def test_references_that_resolve_are_silent(repo, cli) -> None:
    repo.write("experiments/base.yaml", "title: Base\ndate: 2026-01-01\nmetrics: {test: {auc: 0.8}}\n")
    repo.write("experiments/next.yaml", "title: Next\ndate: 2026-01-02\nbaseline: base\n")
    repo.write("decisions/0001-a.md", "---\nstatus: superseded\nevidence: [base, next]\nmodels: [card]\n---\n# A\n")
    repo.write("decisions/0002-b.md", "---\nstatus: accepted\nsupersedes: [1]\n---\n# B\n")
    repo.write("models/card.md", """
        ---
        name: Card
        decisions: ["0002", 1]
        evaluations:
          - experiment: base
            metrics: [test.auc]
        ---
        """)
    result = cli("validate", "--strict", "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "2 experiments, 2 decisions, 1 model card: all valid"


def test_a_log_without_statuses_gets_one_note_and_a_log_with_them_a_warning_per_gap(repo, cli) -> None:
    for n in range(1, 5):
        repo.write(f"decisions/000{n}-choice-{n}.md", f"# Choice {n}\n\n## Context and Problem Statement\n\nWhy.\n")

    quiet = cli("validate", "--root", str(repo.path))
    strict = cli("validate", "--root", str(repo.path), "--strict", "--format", "github")

    assert quiet.exit_code == 0 and strict.exit_code == 0, quiet.output + strict.output
    assert quiet.stdout.strip() == (
        "decisions:1:1: note: 4 of 4 decisions have no status, so they show as unknown (the status is optional "
        "in MADR; add `status:` (or a `Status:` line) to show where each stands)")
    assert "4 decisions, 0 model cards: all valid" in quiet.stderr
    assert strict.stdout.startswith("::notice file=decisions,line=1,col=1,")

    for n in range(1, 4):
        repo.write(f"decisions/000{n}-choice-{n}.md", f"# Choice {n}\n\n* Status: accepted\n")
    mostly = cli("validate", "--root", str(repo.path))

    assert mostly.stdout.strip().splitlines() == [
        "decisions/0004-choice-4.md:1:1: warning: decision has no status; it shows as unknown (add a `Status: "
        "accepted` line below the title; one of proposed, accepted, rejected, deprecated, superseded)"]
