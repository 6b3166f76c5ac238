"""Feature importances on the experiment page: the top 20 as sorted horizontal bars, the rest folded."""

from __future__ import annotations

import json
import re

from repos import new_repo

from render.recordkit import generated


def charts_of(page: str, files: dict[str, str]) -> list[dict]:
    """The specs of a generated page's charts, read from the data files it names."""
    return [json.loads(files[path])[part]
            for path, part in re.findall(r'data-mlr-chart="([^"]+)" data-mlr-chart-part="([^"]+)"', page)]


def test_top_features_are_drawn_sorted_and_the_rest_folded(tmp_path) -> None:
    repo = new_repo(tmp_path / "repo")
    importances = ", ".join(f"f{n:02d}: {n / 100}" for n in range(1, 26))
    repo.write("experiments/gbm.yaml", f"title: GBM\ndate: 2026-01-10\nexplanations:\n  method: shap\n"
                                       f"  feature_importance: {{{importances}, '<b>x</b>': -0.5}}\n"
                                       f"  notes: Mean absolute SHAP value.\n")
    repo.write("experiments/plain.yaml", "title: Plain\ndate: 2026-01-11\n")
    repo.commit("Runs")
    out = generated(repo.path)
    pages, generated_files = out.html_pages, out.files
    page = pages["experiments/gbm.md"].html
    assert "Feature importance measured by <strong>shap</strong>; the top 20 of 26 features are drawn." in page
    [chart] = [c for c in charts_of(page, generated_files) if c["data"][0]["type"] == "bar"]
    bars = chart["data"][0]
    assert bars["orientation"] == "h" and chart["layout"]["yaxis"]["autorange"] == "reversed"
    # Largest first, by size: a negative importance counts by how much it moves the prediction.
    assert bars["y"][:3] == ["&lt;b&gt;x&lt;/b&gt;", "f25", "f24"] and bars["x"][:3] == [-0.5, 0.25, 0.24]
    assert len(bars["y"]) == 20 and bars["y"][-1] == "f07"
    assert chart["layout"]["xaxis"]["title"]["text"] == "importance (shap)"
    folded = page[page.index("The other 6 features"):]
    assert [row for row in re.findall(r"<tr>\s*<td>(f\d\d)</td>", folded)] == ["f06", "f05", "f04", "f03", "f02", "f01"]
    assert "Mean absolute SHAP value." in page
    # The compare view reads the same top 20 from the run's data file.
    detail = json.loads(generated_files["assets/mlreport/data/experiments/gbm.json"])
    assert (len(detail["importance"]), detail["importance"][1], detail["importance_method"]) == (20, ["f25", 0.25],
                                                                                                "shap")
    assert 'id="explanations"' not in pages["experiments/plain.md"].html


def test_a_card_shows_the_importances_of_its_evaluation_run(tmp_path) -> None:
    repo = new_repo(tmp_path / "repo")
    repo.write("experiments/gbm.yaml", "title: GBM\ndate: 2026-01-10\nmetrics: {test: {auc: 0.9}}\n"
                                       "explanations: {method: gain, feature_importance: {amount: 0.3, hour: 0.1}}\n")
    repo.write("experiments/lr.yaml", "title: LR\ndate: 2026-01-09\nmetrics: {test: {auc: 0.8}}\n")
    repo.write("models/scorer.md", "---\nname: Scorer\nevaluations: [{experiment: lr}, {experiment: gbm}]\n---\n")
    repo.write("models/plain.md", "---\nname: Plain\nevaluations: [{experiment: lr}]\n---\n")
    repo.commit("Cards")
    out = generated(repo.path)
    pages, generated_files = out.html_pages, out.files
    page = pages["models/scorer.md"].html
    assert 'Feature importance (gain) from <a href="../../experiments/gbm/">GBM</a>, the evaluation run that records it.' in page
    [chart] = charts_of(page, generated_files)
    assert chart["data"][0]["y"] == ["amount", "hour"]
    assert "What drives its predictions" not in pages["models/plain.md"].html
