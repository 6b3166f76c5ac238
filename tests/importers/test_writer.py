"""The writer of imported records: readable YAML, idempotent updates that keep what a person wrote."""

from __future__ import annotations

import datetime as dt

import yaml

from mlreport.config import load_options
from mlreport.importers.writer import Imported, write_imported
from mlreport.validate import read_records


def run(metric: float, title: str = "Sweep 1", loss: tuple = ((0, 1.0), (1, 0.5))) -> Imported:
    """An imported run as an importer hands it over."""
    data = {"title": title, "date": dt.date(2026, 1, 5), "status": "completed", "authors": ["ana"],
            "params": {"lr": 0.1}, "metrics": {"auc": metric}, "notes": "from the tool",
            "extra": {"tool": {"parent": "p1"}}, "source": {"tool": "mlflow", "run_id": "abc123", "experiment_id": "1"}}
    return Imported("sweep-1", data, {"train.loss": loss})


def test_a_new_record_is_written_in_the_directory_form_and_passes_strict_validation(repo) -> None:
    options = load_options(repo.path)
    written = write_imported([run(0.9)], options)
    assert written.created == ["experiments/sweep-1/experiment.yaml"]
    text = (repo.path / "experiments/sweep-1/experiment.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../.mlreport/schemas/experiment.json\n")
    assert "authors: [ana]\n" in text and "history: history\n" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert (repo.path / "experiments/sweep-1/history/train.loss.tsv").read_text() == "step\tloss\n0\t1\n1\t0.5\n"
    checked = read_records(load_options(repo.path))
    assert [p for p in checked.problems] == []
    experiment = checked.catalog.experiments["sweep-1"]
    assert experiment.history == {"train.loss": ((0.0, 1.0), (1.0, 0.5))}
    assert experiment.source == {"tool": "mlflow", "run_id": "abc123", "experiment_id": "1"}


def test_a_dry_run_writes_nothing(repo) -> None:
    written = write_imported([run(0.9)], load_options(repo.path), dry_run=True)
    assert written.created == ["experiments/sweep-1/experiment.yaml"]
    assert not (repo.path / "experiments").exists()


def test_importing_again_refreshes_the_tools_fields_and_keeps_what_a_person_wrote(repo) -> None:
    options = load_options(repo.path)
    write_imported([run(0.9)], options)
    path = repo.path / "experiments/sweep-1/experiment.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(title="Sweep 1, the good one", notes="Why it worked.", baseline="older-run", task="ranking",
                tags=["keeper"])
    data["extra"]["team"] = "search"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    refreshed = run(0.95, loss=((0, 1.0), (1, 0.4)))
    refreshed.data["tags"] = ["team=risk"]
    written = write_imported([refreshed], options)
    assert written.updated == ["experiments/sweep-1/experiment.yaml"]
    after = yaml.safe_load(path.read_text())
    assert after["metrics"] == {"auc": 0.95}
    assert (after["title"], after["notes"], after["baseline"], after["task"]) == (
        "Sweep 1, the good one", "Why it worked.", "older-run", "ranking")
    assert after["extra"] == {"tool": {"parent": "p1"}, "team": "search"}
    assert after["tags"] == ["keeper", "team=risk"]
    assert (repo.path / "experiments/sweep-1/history/train.loss.tsv").read_text().endswith("1\t0.4\n")


def test_an_unchanged_record_is_left_alone_with_its_comments(repo) -> None:
    options = load_options(repo.path)
    write_imported([run(0.9)], options)
    path = repo.path / "experiments/sweep-1/experiment.yaml"
    path.write_text(path.read_text() + "# reviewed by bo\n")
    written = write_imported([run(0.9)], options)
    assert (written.created, written.updated, written.unchanged) == ([], [], ["experiments/sweep-1/experiment.yaml"])
    assert path.read_text().endswith("# reviewed by bo\n")


def test_a_record_moved_by_a_person_is_found_again_by_its_source(repo) -> None:
    options = load_options(repo.path)
    write_imported([run(0.9)], options)
    (repo.path / "experiments/2026").mkdir()
    (repo.path / "experiments/sweep-1").rename(repo.path / "experiments/2026/sweep-1")
    written = write_imported([run(0.97)], options)
    assert written.updated == ["experiments/2026/sweep-1/experiment.yaml"]
    assert not (repo.path / "experiments/sweep-1").exists()


def test_a_taken_id_gets_the_source_id_appended(repo) -> None:
    repo.write("experiments/sweep-1.yaml", "title: Hand-written\ndate: 2026-01-01\n")
    written = write_imported([run(0.9)], load_options(repo.path))
    assert written.created == ["experiments/sweep-1-abc123/experiment.yaml"]
    assert (repo.path / "experiments/sweep-1.yaml").read_text() == "title: Hand-written\ndate: 2026-01-01\n"


def test_a_curve_the_tool_no_longer_has_is_removed(repo) -> None:
    options = load_options(repo.path)
    write_imported([run(0.9)], options)
    record = run(0.9)
    renamed = Imported(record.id, record.data, {"val.loss": ((0, 2.0), (1, 1.0))})
    write_imported([renamed], options)
    history = repo.path / "experiments/sweep-1/history"
    assert sorted(p.name for p in history.iterdir()) == ["val.loss.tsv"]


ANNOTATED = """\
# yaml-language-server: $schema=../../.mlreport/schemas/experiment.json
# Reviewed with bo on 2026-01-09: the run we compare against.
title: 'Sweep 1'  # kept short for the leaderboard
date: 2026-01-05
status: completed
authors: [ana]

params:
  lr: 0.1  # from the sweep's grid
metrics:
  auc: 0.9
  # f1: 0.4 (left out: computed on the wrong split)
history: history
notes: from the tool
extra:
  tool: {parent: p1}
source: {tool: mlflow, run_id: abc123, experiment_id: '1'}
"""


def test_an_updated_record_keeps_the_comments_and_layout_a_person_gave_it(repo) -> None:
    options = load_options(repo.path)
    write_imported([run(0.9)], options)
    path = repo.path / "experiments/sweep-1/experiment.yaml"
    path.write_text(ANNOTATED)
    refreshed = run(0.95, loss=((0, 1.0), (1, 0.4)))
    refreshed.data["params"] = {"lr": 0.1, "batch": 64}
    refreshed.data["tags"] = ["team=risk"]
    written = write_imported([refreshed], options)
    assert written.updated == ["experiments/sweep-1/experiment.yaml"]
    text = path.read_text()
    for line in ANNOTATED.splitlines():
        if "auc" not in line:  # the one value the import changed
            assert line in text.splitlines(), f"{line!r} lost:\n{text}"
    assert "  auc: 0.95\n" in text and "  batch: 64\n" in text and "tags: [team=risk]\n" in text
    after = yaml.safe_load(text)
    assert after["metrics"] == {"auc": 0.95} and after["params"] == {"lr": 0.1, "batch": 64}
    assert after["tags"] == ["team=risk"] and after["title"] == "Sweep 1"
    assert [p for p in read_records(load_options(repo.path)).problems] == []
    # What the import writes equals what it would write without the person's layout, value for value.
    assert write_imported([refreshed], options).unchanged == ["experiments/sweep-1/experiment.yaml"]


def test_a_card_gains_evaluations_and_keeps_its_front_matter_comments(repo) -> None:
    from mlreport.importers.writer import Batch, ImportedCard, write_batch

    options = load_options(repo.path)
    card = repo.path / "models/ranker.md"
    card.parent.mkdir()
    card.write_text("---\n# Owned by the search team.\nname: Ranker  # the name stakeholders use\nstatus: development\n"
                    "---\n# Ranker\n\nBody as written.\n")
    imported = ImportedCard("ranker", {"name": "Ranker"}, "# Ranker\n", ((0, ("auc",), "test"),))
    written = write_batch(Batch([run(0.9)], card=imported), options)
    assert written.updated == ["models/ranker.md"]
    text = card.read_text()
    assert text.startswith("---\n# Owned by the search team.\nname: Ranker  # the name stakeholders use\n"
                           "status: development\n"), text
    assert text.endswith("---\n# Ranker\n\nBody as written.\n"), text
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["evaluations"] == [{"experiment": "sweep-1", "metrics": ["auc"], "split": "test"}]
