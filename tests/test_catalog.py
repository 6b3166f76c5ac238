"""The catalog: records joined by id, references resolved both ways, backlinks and evaluation numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mlreport.catalog import build_catalog
from mlreport.config import Options
from mlreport.records import Decision, Evaluation, Experiment, Loaded, ModelCard


def experiment(id: str, **fields) -> Experiment:
    return Experiment(id=id, title=id.title(), path=f"experiments/{id}.yaml", date=dt.date(2026, 1, 1), **fields)


def decision(id: str, **fields) -> Decision:
    return Decision(id=id, title=f"Decision {id}", path=f"decisions/{id}-x.md", **fields)


def catalog_of(*records):
    loaded = Loaded(experiments=[r for r in records if isinstance(r, Experiment)],
                    decisions=[r for r in records if isinstance(r, Decision)],
                    models=[r for r in records if isinstance(r, ModelCard)])
    return build_catalog(loaded, Options(root=Path(".")))


def test_decision_references_mean_the_same_decision_however_written() -> None:
    catalog = catalog_of(decision("0007"))
    assert catalog.decision(7) is catalog.decision("0007") is catalog.decision("ADR-0007") is catalog.decisions["0007"]
    assert catalog.decision("8") is None


def test_supersession_written_on_either_side_reads_both_ways() -> None:
    catalog = catalog_of(decision("0001", status="accepted"), decision("0002", supersedes=("1",)),
                         decision("0003", superseded_by=("0004",)), decision("0004"))
    assert catalog.successors == {"0001": ("0002",), "0003": ("0004",)}
    assert catalog.predecessors == {"0002": ("0001",), "0004": ("0003",)}
    # The file still says accepted; a newer decision says otherwise.
    assert catalog.effective_status(catalog.decisions["0001"]) == "superseded"


def test_backlinks_from_evidence_evaluations_and_either_side_of_a_card_link() -> None:
    card = ModelCard(id="scorer", title="Scorer", path="models/scorer.md", decisions=("7",),
                     evaluations=(Evaluation("run", ("test.auc",)),))
    catalog = catalog_of(experiment("run", metrics={"test.auc": 0.91}), card,
                         decision("0007", evidence=("run",)), decision("0008", models=("scorer",)))
    assert catalog.decisions_citing == {"run": ("0007",)}
    assert catalog.models_citing == {"run": ("scorer",)}
    assert catalog.decisions_of_model == {"scorer": ("0007", "0008")}


def test_evaluation_numbers_come_from_the_experiment() -> None:
    card = ModelCard(id="scorer", title="Scorer", path="models/scorer.md",
                     evaluations=(Evaluation("run", ("test.auc", "val.loss")), Evaluation("gone")))
    catalog = catalog_of(experiment("run", metrics={"test.auc": 0.91, "val.loss": 0.2}), card)
    rows = [(r.experiment_id, r.metric, r.value, r.goal) for r in catalog.evaluation_rows(card)]
    assert rows == [("run", "test.auc", 0.91, "max"), ("run", "val.loss", 0.2, "min")]


def test_the_first_record_by_path_wins_an_id_and_records_list_kind_by_kind() -> None:
    later = Experiment(id="a", title="Later", path="experiments/z/a.yaml")
    first = Experiment(id="a", title="First", path="experiments/a.yaml")
    catalog = catalog_of(later, first, decision("0001"))
    assert catalog.experiments["a"].title == "First"
    assert [(r.kind, r.id) for r in catalog.records()] == [("experiment", "a"), ("decision", "0001")]
