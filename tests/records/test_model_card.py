"""Model cards: Hugging Face metadata kept as is, evaluations linking experiments, both file forms."""

from __future__ import annotations

import datetime as dt

import pytest

from mlreport.config import Options
from mlreport.records import Evaluation, load_records
from mlreport.validate import read_records

CARD = """
    ---
    name: Receipt classifier
    version: 2.1
    owners: [Ana Lima]
    status: production
    date: 2026-03-01
    decisions: [0012, "3"]
    evaluations:
      - experiment: vit-small-aug
        metrics: [test.accuracy, test.macro_f1]
        split: test
      - experiment: vit-small-latency
    license: apache-2.0
    language: [en, de]
    library_name: transformers
    pipeline_tag: image-classification
    tags: [vision, receipts]
    datasets: [receipts-v3]
    base_model: google/vit-small-patch16-224
    ---

    # Receipt classifier

    ## Model Details

    A ViT-Small fine-tuned on scanned receipts.
    """


def test_card_fields_and_hugging_face_metadata(repo) -> None:
    repo.write("models/receipt-classifier.md", CARD)
    loaded = load_records(Options(root=repo.path))
    assert loaded.problems == []
    (card,) = loaded.models
    assert (card.id, card.path) == ("receipt-classifier", "models/receipt-classifier.md")
    assert (card.title, card.version, card.status) == ("Receipt classifier", "2.1", "production")
    assert card.owners == ("Ana Lima",)
    assert card.date == dt.date(2026, 3, 1)
    assert card.decisions == ("0012", "3")  # as written: unquoted 0012 is not octal 10 here
    assert card.evaluations == (
        Evaluation("vit-small-aug", ("test.accuracy", "test.macro_f1"), "test"),
        Evaluation("vit-small-latency"),
    )
    assert card.license == "apache-2.0"
    assert card.metadata == {
        "license": "apache-2.0", "language": ["en", "de"], "library_name": "transformers",
        "pipeline_tag": "image-classification", "tags": ["vision", "receipts"], "datasets": ["receipts-v3"],
        "base_model": "google/vit-small-patch16-224"}
    assert card.body.lstrip().startswith("# Receipt classifier")


def test_evaluation_numbers_come_from_the_experiment(repo) -> None:
    repo.write("experiments/vit.yaml", """
        title: ViT
        date: 2026-02-01
        dataset: {name: receipts, split: val}
        metrics: {test: {accuracy: 0.93, loss: 0.21}}
        """)
    repo.write("models/vit.md", """
        ---
        name: ViT
        evaluations:
          - experiment: vit
            metrics: [test.accuracy]
          - experiment: vit
        ---
        """)
    checked = read_records(Options(root=repo.path, history=False))
    model, problems = checked.catalog, checked.problems
    assert problems == []
    rows = [(r.experiment_id, r.metric, r.value, r.split, r.goal) for r in model.evaluation_rows(model.models["vit"])]
    assert rows == [("vit", "test.accuracy", 0.93, "val", "max"),
                    ("vit", "test.accuracy", 0.93, "val", "max"),
                    ("vit", "test.loss", 0.21, "val", "min")]
    assert model.models_citing == {"vit": ("vit",)}


def test_directory_form_and_what_is_not_a_card(repo) -> None:
    repo.write("models/README.md", "# Our models\n")
    repo.write("models/index.md", "# Index\n")
    repo.write("models/fraud-gbm/README.md", "---\nname: Fraud GBM\n---\n# Fraud GBM\n")
    repo.write("models/fraud-gbm/evaluation.md", "# Extra evaluation notes\n")
    repo.write("models/fraud-gbm/reports/drift.md", "# Drift report\n")
    repo.write("models/vision/receipt-vit.md", "---\nname: Receipt ViT\n---\n")
    loaded = load_records(Options(root=repo.path))
    assert loaded.problems == []
    assert sorted((c.id, c.path) for c in loaded.models) == [
        ("fraud-gbm", "models/fraud-gbm/README.md"), ("receipt-vit", "models/vision/receipt-vit.md")]


@pytest.mark.parametrize("front_matter, body, title", [
    ("name: From the name", "# From the heading\n", "From the name"),
    ("license: mit", "# From the heading\n", "From the heading"),
    ("license: mit", "No heading.\n", "card-id"),
])
def test_title_falls_back_to_heading_then_id(repo, front_matter: str, body: str, title: str) -> None:
    repo.write("models/card-id.md", f"---\n{front_matter}\n---\n{body}")
    assert load_records(Options(root=repo.path)).models[0].title == title


@pytest.mark.parametrize("text, expected", [
    ("# A card\n\nNo metadata at all.\n",
     "1:1: error: model card has no front matter (start the card with a YAML block between two `---` lines, "
     "holding at least `name:`)"),
    ("---\nname: A\nstatus: prod\n---\n",
     "3:9: error: `status` must be one of development, candidate, production, deprecated; found string 'prod' "
     "(did you mean `production`?)"),
    ("---\nname: A\nevaluations:\n  - metrics: [test.auc]\n---\n",
     "4:5: error: missing required key `experiment` in `evaluations.0` "
     "(name the experiment id this evaluation reads its numbers from)"),
    ("---\nname: A\nevaluations:\n  - experiment: x\n    metric: [test.auc]\n---\n",
     "5:5: error: unknown key `metric` in `evaluations.0` (did you mean `metrics`?)"),
    ("---\nname: A\nlicence: mit\n---\n", "3:1: warning: unknown key `licence` (did you mean `license`?)"),
    ("---\nname: A\ndecisions: 12\n---\n", "3:12: error: `decisions` must be a list; found number 12"),
])
def test_bad_card(repo, text: str, expected: str) -> None:
    repo.write("models/a.md", text)
    assert [p.format_text() for p in load_records(Options(root=repo.path)).problems] == [f"models/a.md:{expected}"]


def test_hub_keys_for_gated_access_and_model_index_names_are_known(repo) -> None:
    # Keys the Hub reads (gated-access forms, the model-index name) pass through without a warning.
    repo.write("models/scorer.md", "---\nname: Scorer\nmodel_name: scorer-v2\nbase_model_relation: finetune\n"
                                   "extra_gated_prompt: Agree to the terms\nextra_gated_fields: {Company: text}\n"
                                   "---\n# Scorer\n")
    loaded = load_records(Options(root=repo.path))
    assert loaded.problems == []
    (card,) = loaded.models
    assert card.metadata["extra_gated_fields"] == {"Company": "text"} and card.metadata["model_name"] == "scorer-v2"


def test_hugging_face_placeholders_are_left_to_the_cards_checklist(repo) -> None:
    repo.write("models/scorer.md", """
        ---
        name: Scorer
        ---
        ## Uses

        [More Information Needed]

        ## Bias, Risks, and Limitations

        {describe the risks} and [More Information Needed]
        """)
    checked = read_records(Options(root=repo.path, history=False))
    assert [p.format_text() for p in checked.problems] == [
        "models/scorer.md:10:1: warning: unfilled template placeholder `{describe the risks}` "
        "(write the record's own words in its place, or delete it)"]


def test_the_day_a_card_reached_its_status_is_read_and_a_bad_one_located(repo) -> None:
    repo.write("models/v1.md", "---\nname: V1\ndate: 2026-04-28\nstatus: deprecated\nstatus_date: 2026-06-23\n---\n")
    repo.write("models/v2.md", "---\nname: V2\ndate: 2026-06-12\nstatus: production\nstatus_date: next week\n---\n")
    loaded = load_records(Options(root=repo.path))
    dates = {card.id: (card.date, card.status_date) for card in loaded.models}
    assert dates == {"v1": (dt.date(2026, 4, 28), dt.date(2026, 6, 23)), "v2": (dt.date(2026, 6, 12), None)}
    # Read by mlreport itself: not passed on as Hugging Face metadata.
    assert all("status_date" not in card.metadata for card in loaded.models)
    assert [p.format_text() for p in loaded.problems] == [
        "models/v2.md:5:14: error: `status_date` must be a date; found string 'next week' (write dates as YYYY-MM-DD)"]
