"""`mlreport import hf-card` and `export hf-card`: cards built with huggingface_hub, imported, exported, compared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from render.recordkit import generated

from mlreport.config import load_options
from mlreport.validate import read_records
from tests.importers import require

hub = require("huggingface_hub")

RESULTS = {("test", "accuracy"): 0.93, ("test", "f1"): 0.91, ("validation", "accuracy"): 0.95}


def hub_card(folder: Path, **extra) -> Path:
    """A card as the Hub's template writes one, with eval results on two splits; its README.md."""
    results = [hub.EvalResult(task_type="text-classification", dataset_type="imdb", dataset_name="IMDb",
                              dataset_split=split, metric_type=metric, metric_value=value)
               for (split, metric), value in RESULTS.items()]
    data = hub.ModelCardData(model_name="sentiment-bert", license="mit", base_model="bert-base-uncased",
                             datasets=["imdb"], pipeline_tag="text-classification", eval_results=results,
                             co2_eq_emissions={"emissions": 12.5, "source": "codecarbon"}, **extra)
    card = hub.ModelCard.from_template(data, model_description="Fine-tuned on **movie reviews**.")
    folder.mkdir(parents=True, exist_ok=True)
    card.save(folder / "README.md")
    return folder / "README.md"


def numbers(root: Path) -> dict[tuple[str, str], float]:
    """(split, metric) → value of every experiment of a repo."""
    experiments = read_records(load_options(root)).catalog.experiments.values()
    return {(e.dataset.split, name): value for e in experiments if e.dataset for name, value in e.metrics.items()}


def test_a_hub_card_becomes_a_card_linked_to_an_experiment_per_result_set(cli, repo, tmp_path) -> None:
    readme = hub_card(tmp_path / "hub")
    result = cli("import", "hf-card", readme.parent, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "created experiments/sentiment-bert-imdb-test/experiment.yaml",
        "created experiments/sentiment-bert-imdb-validation/experiment.yaml",
        "created models/sentiment-bert.md", "3 created, 0 updated, 0 unchanged"]
    assert numbers(repo.path) == RESULTS
    card_text = (repo.path / "models/sentiment-bert.md").read_text()
    front = yaml.safe_load(card_text.split("---\n")[1])
    assert "model-index" not in front and front["base_model"] == "bert-base-uncased"
    assert front["evaluations"] == [
        {"experiment": "sentiment-bert-imdb-test", "metrics": ["accuracy", "f1"], "split": "test"},
        {"experiment": "sentiment-bert-imdb-validation", "metrics": ["accuracy"], "split": "validation"}]
    # The body is the Hub's, byte for byte.
    assert card_text.split("---\n", 2)[2] == readme.read_text().split("---\n", 2)[2]
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0

    page = generated(repo.path, with_history=False).html_pages["models/sentiment-bert.md"].html
    assert "Every number below is read from the experiment record" in page
    body = page.split('id="model-card"')[1].split('id="hugging-face-export"')[0]
    assert "Fine-tuned on <strong>movie reviews</strong>." in body
    assert "Provide a quick summary" not in body and "&lt;!--" not in body  # the template's comments
    for shown in ("Base model</strong> bert-base-uncased", "Pipeline tag</strong> text-classification", "imdb",
                  "CO₂ emissions</strong> 12.5 g CO₂eq &#40;codecarbon&#41;"):
        assert shown in page, shown
    again = cli("import", "hf-card", readme, "--root", repo.path)
    assert again.stdout.splitlines() == ["0 created, 0 updated, 3 unchanged"]


def test_export_round_trips_through_huggingface_hub(cli, repo, tmp_path) -> None:
    cli("import", "hf-card", hub_card(tmp_path / "hub"), "--root", repo.path)
    out = tmp_path / "out/README.md"
    out.parent.mkdir()
    exported = cli("export", "hf-card", "sentiment-bert", "--out", out, "--root", repo.path)
    assert exported.exit_code == 0, exported.output
    loaded = hub.ModelCard.load(out)
    assert {(r.dataset_split, r.metric_type): r.metric_value for r in loaded.data.eval_results} == RESULTS
    assert loaded.data.base_model == "bert-base-uncased" and loaded.data.license == "mit"
    assert "Fine-tuned on **movie reviews**." in loaded.text
    assert cli("export", "hf-card", "sentiment-bert", "--root", repo.path).stdout == out.read_text()

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    back = cli("import", "hf-card", out, "--root", fresh)
    assert back.exit_code == 0, back.output
    assert numbers(fresh) == RESULTS
    original = read_records(load_options(repo.path)).catalog.models["sentiment-bert"]
    again = read_records(load_options(fresh)).catalog.models["sentiment-bert"]
    assert (again.evaluations, again.metadata, again.body.lstrip()) == (
        original.evaluations, original.metadata, original.body.lstrip())


def test_a_card_with_its_own_model_index_shows_and_exports_its_results(cli, repo, tmp_path) -> None:
    readme = hub_card(tmp_path / "hub")
    (repo.path / "models").mkdir()
    (repo.path / "models/sentiment-bert.md").write_text(readme.read_text())
    page = generated(repo.path, with_history=False).html_pages["models/sentiment-bert.md"].html
    assert "This card lists no evaluations" not in page
    assert "These results are the card's own <code>model-index</code>" in page
    assert "<strong>0.93</strong>" in page
    exported = cli("export", "hf-card", "sentiment-bert", "--root", repo.path).stdout
    assert {(r.dataset_split, r.metric_type): r.metric_value
            for r in hub.ModelCard(exported).data.eval_results} == RESULTS


def test_the_legacy_model_index_key_is_read(cli, repo, tmp_path) -> None:
    readme = hub_card(tmp_path / "hub")
    readme.write_text(readme.read_text().replace("model-index:", "model_index:"))
    result = cli("import", "hf-card", readme, "--root", repo.path)
    assert result.exit_code == 0, result.output
    assert numbers(repo.path) == RESULTS
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0


def test_a_persons_edit_of_the_card_is_kept_on_import(cli, repo, tmp_path) -> None:
    readme = hub_card(tmp_path / "hub")
    cli("import", "hf-card", readme, "--root", repo.path)
    card = repo.path / "models/sentiment-bert.md"
    card.write_text(card.read_text().replace("license: mit", "license: mit\nowners: [ana]"))
    again = cli("import", "hf-card", readme, "--root", repo.path)
    assert again.stdout.splitlines() == ["0 created, 0 updated, 3 unchanged"]
    assert "owners: [ana]" in card.read_text()


def test_a_card_with_broken_yaml_is_one_line(cli, repo, tmp_path) -> None:
    broken = tmp_path / "README.md"
    broken.write_text("---\nlicense: mit\nmodel-index: [\n---\n# Card\n")
    result = cli("import", "hf-card", broken, "--root", repo.path)
    assert result.exit_code == 1
    assert result.stderr == (f"{broken.as_posix()}:4:1: error: invalid YAML: the front matter ends inside an "
                             "unclosed `[` or `{` (add the closing bracket)\n")


def test_export_of_a_card_that_does_not_exist_names_the_close_one(cli, repo, tmp_path) -> None:
    cli("import", "hf-card", hub_card(tmp_path / "hub"), "--root", repo.path)
    result = cli("export", "hf-card", "sentiment-bret", "--root", repo.path)
    assert result.exit_code == 1
    assert result.stderr == "error: no model card with the id 'sentiment-bret' (did you mean `sentiment-bert`?)\n"


def test_without_the_extra_the_command_says_how_to_install_it(repo, tmp_path) -> None:
    readme = hub_card(tmp_path / "hub")
    code = ("import sys; sys.modules['huggingface_hub'] = None; from mlreport.cli import main; "
            f"main(['import', 'hf-card', {str(readme)!r}, '--root', {str(repo.path)!r}])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == 'error: huggingface_hub is not installed (pip install "mlreport[hf]")\n'


def test_export_to_a_folder_that_does_not_exist_is_one_line(cli, repo, tmp_path) -> None:
    cli("import", "hf-card", hub_card(tmp_path / "hub"), "--root", repo.path)
    out = tmp_path / "missing/README.md"
    result = cli("export", "hf-card", "sentiment-bert", "--out", out, "--root", repo.path)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {out}: No such file or directory\n"


def test_a_card_without_results_comes_in_alone(cli, repo, tmp_path) -> None:
    readme = tmp_path / "README.md"
    hub.ModelCard.from_template(hub.ModelCardData(license="mit", model_name="tiny")).save(readme)
    result = cli("import", "hf-card", readme, "--root", repo.path)
    assert result.stdout.splitlines() == ["created models/tiny.md", "1 created, 0 updated, 0 unchanged"]
    assert "evaluations" not in (repo.path / "models/tiny.md").read_text()
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0
