"""Options from mkdocs.yml: defaults, every option read, and every bad option reported at its line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlreport.config import Leaderboard, Options, load_options
from mlreport.problems import RecordError
from mlreport.records.kinds import KINDS


def problems_of(repo) -> list[str]:
    with pytest.raises(RecordError) as caught:
        load_options(repo.path)
    return [p.format_text() for p in caught.value.problems]


def test_defaults_without_mkdocs_yml(repo) -> None:
    assert load_options(repo.path) == Options(root=repo.path)


def test_every_option_is_read(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: Vision team
        repo_url: https://git.example.com/vision/records
        edit_uri: edit/main/
        theme:
          name: material
        markdown_extensions:
          - pymdownx.emoji:
              emoji_index: !!python/name:material.extensions.emoji.twemoji
        extra:
          analytics_key: !ENV [ANALYTICS_KEY, ""]
        plugins:
          - search
          - mlreport:
              experiments_dir: records/experiments
              decisions_dir: records/adr
              models_dir: records/models
              decisions_exclude: ["draft-*.md"]
              leaderboards:
                - {title: Receipts accuracy, task: receipts, dataset: receipts-v3, metric: test.accuracy}
                - {title: Latency, metric: latency.p95_ms, goal: min, split: test, filter: {tags: [onnx]}}
              metric_goals: {business.cost: min}
              templates_dir: overrides
              cache_dir: .cache/mlreport
              history: false
              strict: true
        """)
    options = load_options(repo.path)
    assert [kind.folder(options) for kind in KINDS] == [
        repo.path / "records/experiments", repo.path / "records/adr", repo.path / "records/models"]
    assert options.decisions_exclude == ("draft-*.md",)
    assert options.leaderboards == (
        Leaderboard(title="Receipts accuracy", metric="test.accuracy", task="receipts", dataset="receipts-v3"),
        Leaderboard(title="Latency", metric="latency.p95_ms", goal="min", split="test", filter={"tags": ["onnx"]}),
    )
    assert options.metric_goals == {"business.cost": "min"}
    assert (options.templates_dir, options.cache_dir, options.history, options.strict) == (
        "overrides", ".cache/mlreport", False, True)
    assert (options.site_name, options.repo_url, options.edit_uri) == (
        "Vision team", "https://git.example.com/vision/records", "edit/main/")
    assert options.config_problems == ()


def test_plugins_written_as_a_mapping(repo) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  search: {}\n  mlreport:\n    models_dir: cards\n")
    assert load_options(repo.path).models_dir == "cards"


def test_plugin_listed_without_options(repo) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - search\n  - mlreport\n")
    assert load_options(repo.path).experiments_dir == "experiments"


def test_every_bad_option_at_its_line(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: X
        plugins:
          - search
          - mlreport:
              experiments_dir: 5
              leaderboards:
                - {title: Accuracy, metric: test.accuracy, goal: maximize}
                - {title: Loss, metrc: val.loss}
              metric_goals: {test.loss: up, test.auc: max}
              histroy: false
        """)
    assert problems_of(repo) == [
        "mkdocs.yml:5:7: error: option `mlreport.experiments_dir` must be text; found number 5 (quote the value)",
        "mkdocs.yml:7:52: error: option `mlreport.leaderboards.0.goal` must be one of max, min; "
        "found string 'maximize' (write max or min)",
        "mkdocs.yml:8:11: error: option `mlreport.leaderboards.1` needs a `metric` to rank on "
        "(add `metric: test.accuracy`, a flattened metric name)",
        "mkdocs.yml:8:25: error: option `mlreport.leaderboards.1.metrc` is not a leaderboard setting "
        "(did you mean `metric`?)",
        "mkdocs.yml:9:22: error: option `mlreport.metric_goals.test.loss` must be max or min; found string 'up' "
        "(max: higher is better, min: lower is better)",
        "mkdocs.yml:10:7: warning: unknown option `mlreport.histroy`; mlreport does not read it "
        "(did you mean `history`?)",
    ]


def test_unknown_option_is_a_warning_that_validate_reports(repo, cli) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - mlreport:\n      experiment_dir: runs\n")
    warning = ("mkdocs.yml:4:7: warning: unknown option `mlreport.experiment_dir`; mlreport does not read it "
               "(did you mean `experiments_dir`?)")
    assert [p.format_text() for p in load_options(repo.path).config_problems] == [warning]
    result = cli("validate", "--root", repo.path)
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, warning)
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 1


def test_mkdocs_build_reports_bad_options_the_same_way(repo) -> None:
    """`mkdocs build` with the plugin reads the options through the same code, every problem at its line."""
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - mlreport:\n      metric_goals: {val.loss: lower}\n"
                             "      history: maybe\n")
    repo.write("docs/index.md", "# X\n")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(repo.path.parent / "out")],
                          cwd=repo.path, capture_output=True, text=True)
    assert done.returncode == 1
    assert ("mkdocs.yml:4:22: error: option `mlreport.metric_goals.val.loss` must be max or min; "
            "found string 'lower' (max: higher is better, min: lower is better)") in done.stderr
    assert "mkdocs.yml:5:7: error: option `mlreport.history` must be true or false; found string 'maybe'" \
        in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content, expected", [
    ("site_name: [Vision\nplugins: [mlreport]\n",
     "mkdocs.yml:1:12: error: invalid YAML: a `[` list starts here but is not closed before line 2 "
     "(add the closing `]`)"),
    ("site_name: X\nnav:\n  - Home: index.md\n - About: about.md\n",
     "mkdocs.yml:4:2: error: invalid YAML: this line is indented differently from the lines around it "
     "(indent the keys of one mapping by the same number of spaces)"),
    ("- site_name\n", "mkdocs.yml:1:1: error: mkdocs.yml must be a mapping of settings (start with `site_name: …`)"),
])
def test_unreadable_mkdocs_yml(repo, cli, content: str, expected: str) -> None:
    repo.write("mkdocs.yml", content)
    assert problems_of(repo) == [expected]
    result = cli("validate", "--root", repo.path)
    assert (result.exit_code, result.stderr.strip(), result.stdout) == (1, expected, "")


def test_a_leaderboard_filter_is_a_query_checked_at_its_line(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: X
        plugins:
          - mlreport:
              leaderboards:
                - {title: Fast, metric: test.pr_auc, filter: "metrics.ops.p99_ms < 10 and tags contains 'gbm'"}
                - title: Broken
                  metric: test.pr_auc
                  filter: "metrics.ops.p99_ms <"
                - {title: Old, metric: test.pr_auc, filter: 5}
        """)
    assert problems_of(repo) == [
        "mkdocs.yml:8:11: error: option `mlreport.leaderboards.1.filter` is not a valid query: column 21 of "
        "'metrics.ops.p99_ms <': expected a value after '<' (see README's Querying section)",
        "mkdocs.yml:9:45: error: option `mlreport.leaderboards.2.filter` must be a query or a mapping; found "
        "number 5 (write `filter: \"tags contains 'gbm'\"`)",
    ]
    repo.write("mkdocs.yml", """
        site_name: X
        plugins:
          - mlreport:
              leaderboards:
                - {title: Fast, metric: test.pr_auc, filter: "metrics.ops.p99_ms < 10 and tags contains 'gbm'"}
                - {title: Old, metric: test.pr_auc, filter: {tags: [gbm]}}
        """)
    assert [board.filter for board in load_options(repo.path).leaderboards] == [
        "metrics.ops.p99_ms < 10 and tags contains 'gbm'", {"tags": ["gbm"]}]
