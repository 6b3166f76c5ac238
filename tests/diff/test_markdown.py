"""The report as Markdown: record values cannot break it, and it is the same every time."""

from __future__ import annotations

import re

from mlreport.diff.markdown import code, text
from tests.diff.conftest import experiment, markdown, report


def test_record_values_cannot_break_the_table_or_inject_html(cli, feature):
    title = "Pipes | and <script>alert(1)</script>\nsecond line [link](http://x) `tick`"
    feature.write("experiments/fraud-evil.yaml", experiment(title, test__pr_auc=0.9))
    feature.commit("Hostile title")

    page = markdown(cli, feature)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "[link](" not in page
    row = next(line for line in page.splitlines() if line.startswith("| `fraud-evil`"))
    unescaped_pipes = re.findall(r"(?<!\\)\|", row)
    assert len(unescaped_pipes) == 8  # seven cells, eight borders: the title's pipe is escaped
    assert report(cli, feature)["experiments"][0]["title"] == title  # JSON keeps the value as written


def test_code_spans_survive_backticks_and_pipes():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b") == "`a\\|b`"
    assert text("*bold* _x_ <b>&") == "\\*bold\\* \\_x\\_ &lt;b&gt;&amp;"
    assert text("val_loss") == "val_loss"  # `_` inside a word is literal Markdown: left readable


def test_report_is_deterministic(cli, feature):
    for name, value in (("fraud-b", 0.81), ("fraud-a", 0.82), ("fraud-c", 0.79)):
        feature.write(f"experiments/{name}.yaml", experiment(name.upper(), test__pr_auc=value))
    feature.commit("Three at once")

    first, second = markdown(cli, feature), markdown(cli, feature)
    assert first == second
    assert [r["id"] for r in report(cli, feature)["experiments"]] == ["fraud-a", "fraud-b", "fraud-c"]
    board = first.split("**Fraud PR-AUC**", 1)[1]
    ranks = re.findall(r"^\| #(\d+) \| `([a-z-]+)`", board, re.M)
    assert ranks == [("1", "fraud-a"), ("2", "fraud-b"), ("3", "fraud-xgb"), ("4", "fraud-c")]


def test_numbers_keep_each_metrics_own_places_and_deltas_say_better_or_worse(cli, feature):
    # test.pr_auc is recorded to four places on the branch, ops.latency_ms to one.
    feature.write("experiments/fraud-xgb.yaml", experiment("XGBoost", baseline="fraud-logreg",
                                                           test__pr_auc=0.8004, ops__latency_ms=12.5))
    feature.write("experiments/fraud-gru.yaml", experiment("GRU", baseline="fraud-logreg", test__pr_auc=0.812,
                                                           ops__latency_ms=14.0))
    feature.commit("Re-run XGBoost with latency, add a GRU")

    page = markdown(cli, feature)
    # One format per metric: 0.7, 0.8 and 0.812 are written at test.pr_auc's four places, like the site.
    assert ("| `fraud-gru` GRU | new | Fraud PR-AUC ↑ | **#1 of 3** 🏆 new best | 0.8120 | ✓ +0.0120 vs `fraud-xgb` "
            "| ✓ +0.1120 vs `fraud-logreg` |") in page
    assert "| #3 | `fraud-logreg` Logistic regression | 0.7000 |  |" in page
    assert "| `test.pr_auc` | 0.8000 | 0.8004 | ✓ +0.0004 |" in page
    assert "| `ops.latency_ms` | 14.0 |" in page
    assert "✓ better · ✗ worse, in the metric's direction" in page
    for old in ("✅ better", "⚠️ worse", "▲", "▼"):
        assert old not in page

