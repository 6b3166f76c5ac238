"""Model card pages and the models index: evaluation numbers pulled from the experiments, Hub export."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from sitekit import read_page

from render.recordkit import (BREAKOUT, HOSTILE, SITE_URL, built_site, generated, records_repo,
                             pull, table_after)

DEEP = {"test.accuracy": 0.84375, "test.loss": 0.45}
WIDE = {"test.accuracy": 0.86}
BASE = {"test.accuracy": 0.8, "test.loss": 0.52}


@pytest.fixture(scope="module")
def repo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return records_repo(tmp_path_factory.mktemp("records") / "repo").path


@pytest.fixture(scope="module")
def site(repo_path: Path) -> Path:
    return built_site(repo_path)


def test_card_header(site: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    assert ("p", "data-status", "production") in page.attributes
    for shown in ("Digits CNN", "v1.0", "Owners ana, li", "License apache-2.0", "Library pytorch",
                  "Pipeline tag image-classification", "Datasets digits"):
        assert shown in page.text, shown


def test_evaluation_numbers_are_the_experiments_own(site: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    table = table_after(page.source, "Every number below")
    assert table[0] == ["Experiment", "Metric", "Value", "Split", "Δ vs baseline"]
    rows = table[1:]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("Deeper CNN", "test.accuracy ↑", "test"), ("", "test.loss ↓", "test"), ("Wider CNN", "test.accuracy ↑", "test")]
    # Every value of a metric with that metric's places (0.84375 needs four: so 0.86 reads 0.8600).
    assert [r[2] for r in rows] == ["0.8438", "0.45", "0.8600"]
    # The same numbers as on each experiment's page.
    assert "test.accuracy 0.8438" in read_page(site, "experiments/deep").text
    assert "test.accuracy 0.8600" in read_page(site, "experiments/wide").text
    # Δ against each run's own baseline, ✓ by the metric's direction (loss: lower is better).
    assert [r[4] for r in rows] == [f"✓ {DEEP['test.accuracy'] - BASE['test.accuracy']:+.4f}",
                                    f"✓ {DEEP['test.loss'] - BASE['test.loss']:+.2f}",
                                    f"✓ {WIDE['test.accuracy'] - BASE['test.accuracy']:+.4f}"]
    assert page.source.count('class="mlr-delta mlr-better"') == 3
    assert page.link_to("Deeper CNN") == "../../experiments/deep/"
    assert page.link_to("Wider CNN") == "../../experiments/wide/"


def test_card_lists_the_decisions_that_concern_it(site: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    table = table_after(page.source, 'id="decisions"')
    assert [row[:2] for row in table[1:]] == [["0002 — Use the wider CNN", "superseded"],
                                             ["0003 — Use the deeper CNN", "accepted"]]
    assert page.link_to("0003 — Use the deeper CNN") == "../../decisions/0003/"


def test_card_body_and_history(site: Path, repo_path: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    # The body's own sections sit below the page's, its title (the page's heading) is not repeated.
    assert '<h3 id="model-details">Model Details' in page.source and "<strong>handwritten digits</strong>" in page.source
    assert "#model-details" in page.nav  # in the table of contents
    assert page.text.count("Digits CNN") == 2  # heading, and the id in the header
    assert page.link_to("Edit this record") == "https://git.example.com/team/records/edit/main/models/digits-cnn.md"
    generated_page = generated(repo_path).html_pages["models/digits-cnn.md"].html
    assert f"<strong>Added</strong> 2026-01-25 by Li Lei in {pull(20)}" in generated_page
    assert f"<strong>last changed</strong> 2026-02-20 by Ana Lima in {pull(31)}" in generated_page


def test_hugging_face_export_has_a_model_index_from_the_experiments(site: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    assert ("details", "data-mlr-hf-export", "") in page.attributes
    block = re.search(r'<code class="language-yaml">(.*?)</code>', page.source, re.S)
    assert block
    readme = html.unescape(block.group(1))
    front, body = readme.split("---\n")[1], readme.split("---\n", 2)[2]
    meta = yaml.safe_load(front)
    # Hub metadata as written; mlreport's own keys stay home.
    assert meta["license"] == "apache-2.0" and meta["library_name"] == "pytorch" and "owners" not in meta
    (index,) = meta["model-index"]
    assert index["name"] == "digits-cnn"
    results = [(r["task"]["type"], r["dataset"], {m["type"]: m["value"] for m in r["metrics"]})
               for r in index["results"]]
    dataset = {"name": "digits", "type": "digits", "split": "test", "revision": "v1"}
    assert results == [("classification", dataset, DEEP), ("classification", dataset, WIDE)]
    # Each result says where its numbers come from, on the published site.
    assert [r["source"] for r in index["results"]] == [
        {"name": "Deeper CNN", "url": f"{SITE_URL}experiments/deep/"},
        {"name": "Wider CNN", "url": f"{SITE_URL}experiments/wide/"}]
    assert body.startswith("# Digits CNN") and "**handwritten digits**" in body


def test_models_index_by_status(site: Path, repo_path: Path) -> None:
    page = read_page(site, "models")
    groups = [value for tag, name, value in page.attributes if tag == "section" and name == "data-status"]
    assert groups == ["production", "candidate"]
    table = table_after(page.source, 'id="production"')
    assert table[0] == ["Model", "Version", "Owners", "License", "Library", "Documentation", "Last change"]
    assert table[1][:5] == ["Digits CNN", "1.0", "ana, li", "apache-2.0", "pytorch"]
    # The card has a Model Details section only: production needs six sections, and three fields it has.
    assert table[1][5] == ("3 of 9 (misses Uses, Direct Use, Out-of-Scope Use, Bias, Risks, and Limitations, "
                           "Training Details, Evaluation)")
    assert page.link_to("Digits CNN") == "digits-cnn/"
    # The last change is the card's newest commit.
    index = generated(repo_path).pages["models/index.md"]
    assert "| [Digits CNN](digits-cnn.md) | 1.0 | ana, li | apache-2.0 | pytorch | 3 of 9" in index
    assert index.rstrip().count("| 2026-02-20 |") == 1


def test_hostile_card_shows_as_text(site: Path) -> None:
    page = read_page(site, "models/evil-card")
    assert BREAKOUT in page.text and HOSTILE in page.text and "<script>alert(5)</script>" in page.text
    index = read_page(site, "models")
    assert BREAKOUT in index.text
    for source in (page.source, index.source):
        assert "<script>alert" not in source and "<img src=x" not in source
    assert not [h for tag, name, h in page.attributes if name == "href" and "javascript" in h.lower()]


def test_card_page_shows_its_checklist(site: Path) -> None:
    page = read_page(site, "models/digits-cnn")
    assert "A production model card needs what follows: this one has 3 of 9 ." in page.text
    assert "✓ field owners" in page.text and "✗ section Bias, Risks, and Limitations — missing" in page.text
    assert ("li", "class", "mlr-missing") in page.attributes and ("li", "class", "mlr-present") in page.attributes
    # A candidate needs less: three sections, owners and an evaluation.
    assert "A candidate model card needs what follows: this one has 2 of 5 ." in read_page(site, "models/evil-card").text


def test_a_placeholder_section_reads_as_such_on_the_checklist(tmp_path: Path) -> None:
    from repos import new_repo

    repo = new_repo(tmp_path / "repo")
    repo.write("models/card.md", "---\nname: Card\nstatus: candidate\n---\n## Uses\n\n[More Information Needed]\n")
    repo.commit("A card from the template")
    page = generated(repo.path).html_pages["models/card.md"].html
    assert "✗ section <strong>Uses</strong> — only template placeholders</li>" in page
    assert "✗ section <strong>Evaluation</strong> — missing</li>" in page
