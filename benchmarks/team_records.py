"""The records of the benchmark repo: experiments, decisions and model cards as a team writes them.

Each record is a small mutable state (a sweep's run goes from running to completed, a decision
from proposed to accepted to superseded, a card from development to production) and `text()`
renders its current version. Values come from one seeded `random.Random`, so the same seed
writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper) if yaml.__with_libyaml__ else yaml.SafeDumper


class _RecordDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Block style for multi-line text (notes), flow style for short scalar lists, as people write YAML."""


# Text YAML 1.2 reads as a number (a commit like `45862e215337`) is quoted, as a person would have to.
_NUMBER_LIKE = re.compile(r"^[-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?$")


def _text(dumper: yaml.Dumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else '"' if text and _NUMBER_LIKE.match(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_RecordDumper.add_representer(str, _text)


def dump(data: dict[str, Any]) -> str:
    """YAML as a person would write it: keys in the given order, short lists inline."""
    return yaml.dump(data, Dumper=_RecordDumper, sort_keys=False, allow_unicode=True, default_flow_style=None,
                     width=120)


@dataclass(frozen=True)
class Metric:
    """A metric a family reports: its name, where its values lie, and whether lower is better."""

    name: str
    low: float
    high: float
    lower_is_better: bool = False
    digits: int = 4


@dataclass(frozen=True)
class Family:
    """A line of work: one task on a couple of datasets, a few model kinds, the metrics it reports."""

    key: str
    task: str
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    metrics: tuple[Metric, ...]
    environment: dict[str, str]

    @property
    def main(self) -> Metric:
        """The metric leaderboards rank on."""
        return self.metrics[0]


FAMILIES = (
    Family("fraud", "fraud-detection", ("transactions", "transactions-eu"),
           ("lightgbm", "xgboost", "logreg", "gru-sequence", "tabnet"),
           (Metric("test.pr_auc", 0.52, 0.78), Metric("test.roc_auc", 0.95, 0.99),
            Metric("test.recall_at_1pct_fpr", 0.40, 0.72), Metric("business.fraud_loss_bps", 2.8, 6.5, True, 2),
            Metric("business.false_decline_rate", 0.004, 0.012, True), Metric("ops.latency_p99_ms", 2.0, 40.0, True, 1)),
           {"python": "3.11", "lightgbm": "4.3.0", "instance": "m6i.4xlarge"}),
    Family("receipts", "image-classification", ("receipts-v3", "receipts-mobile"),
           ("resnet50", "vit-b16", "efficientnet-b0", "mobilenet-v3", "convnext-tiny"),
           (Metric("test.accuracy", 0.86, 0.97), Metric("test.top3_accuracy", 0.95, 0.995),
            Metric("test.macro_f1", 0.80, 0.95), Metric("ops.latency_ms", 4.0, 60.0, True, 1),
            Metric("ops.model_size_mb", 9.0, 340.0, True, 1)),
           {"python": "3.11", "torch": "2.3.1", "gpu": "1x A10G"}),
    Family("disputes", "text-classification", ("dispute-notes",),
           ("tfidf-logreg", "distilbert", "deberta-v3-small", "roberta-base"),
           (Metric("test.macro_f1", 0.68, 0.86), Metric("test.accuracy", 0.77, 0.90),
            Metric("test.coverage_at_95pct_precision", 0.35, 0.66), Metric("ops.latency_ms", 1.0, 30.0, True, 1)),
           {"python": "3.11", "transformers": "4.42.3", "gpu": "1x A10G"}),
    Family("churn", "churn-prediction", ("subscriptions", "subscriptions-smb"),
           ("lightgbm", "catboost", "logreg", "survival-forest"),
           (Metric("test.roc_auc", 0.71, 0.86), Metric("test.log_loss", 0.28, 0.45, True),
            Metric("business.retained_revenue_usd", 120_000, 480_000, False, 0), Metric("test.brier", 0.08, 0.14, True)),
           {"python": "3.11", "catboost": "1.2.5", "instance": "m6i.2xlarge"}),
    Family("demand", "forecasting", ("store-sales", "store-sales-weekly"),
           ("prophet", "lightgbm", "tft", "n-beats", "seasonal-naive"),
           (Metric("test.rmse", 11.0, 24.0, True, 3), Metric("test.mape", 0.07, 0.19, True),
            Metric("business.stockout_rate", 0.01, 0.05, True), Metric("ops.training_minutes", 3.0, 190.0, True, 1)),
           {"python": "3.11", "darts": "0.30.0", "instance": "c6i.8xlarge"}),
    Family("search", "ranking", ("search-clicks",),
           ("bm25", "lambdamart", "two-tower", "cross-encoder"),
           (Metric("test.ndcg_at_10", 0.38, 0.56), Metric("test.mrr", 0.31, 0.49),
            Metric("business.ctr_uplift_pct", -1.0, 6.5, False, 2), Metric("ops.latency_p95_ms", 8.0, 120.0, True, 1)),
           {"python": "3.11", "torch": "2.3.1", "faiss": "1.8.0"}),
    Family("asr", "speech-recognition", ("support-calls", "support-calls-es"),
           ("whisper-small", "whisper-medium", "conformer-ctc", "wav2vec2-base"),
           (Metric("test.wer", 0.08, 0.24, True), Metric("test.cer", 0.03, 0.11, True),
            Metric("ops.real_time_factor", 0.05, 0.6, True, 3)),
           {"python": "3.11", "torch": "2.3.1", "gpu": "1x L4"}),
    Family("credit", "credit-scoring", ("applications",),
           ("logreg-scorecard", "xgboost", "ebm", "lightgbm"),
           (Metric("test.gini", 0.48, 0.68), Metric("test.ks", 0.34, 0.52),
            Metric("business.approval_rate", 0.58, 0.71), Metric("business.expected_loss_bps", 90, 160, True, 1)),
           {"python": "3.11", "interpret": "0.6.2", "instance": "m6i.2xlarge"}),
)

PEOPLE = ("priya.raman", "marcus.chen", "zoë.lindqvist", "josé.álvarez", "amara.okafor", "li.na", "łukasz.nowak",
          "hannah.brooks", "dev.patel", "søren.holm")
STAKEHOLDERS = ("payments-product", "risk-ops", "customer-support", "compliance", "finance", "platform")
_GBDT = {"lightgbm", "xgboost", "catboost", "lambdamart", "survival-forest", "ebm"}
_LINEAR = {"logreg", "tfidf-logreg", "logreg-scorecard", "bm25", "prophet", "seasonal-naive"}
_CLAUSES = (
    "The {model} run on {dataset} reaches {value} {metric}, {direction} than the baseline.",
    "Most of the gain comes from the longer training window; the rest is within seed noise.",
    "We re-ran the evaluation on the frozen {dataset} split so the numbers compare with last quarter's.",
    "Latency stays inside the serving budget, measured the same way as every other run (p99 on the replay).",
    "Calibration drifts on the smallest segment, which the business metric weighs heavily.",
    "Three seeds agree to the third decimal, so the difference with the previous best is real.",
    "The sweep explored learning rate and regularisation; the best region is narrow.",
    "Label maturity matters: results on the last four weeks are optimistic by about a point.",
    "Feature importance is dominated by recency and frequency features, as expected.",
    "Training cost doubled, which the team accepted for the quality gain.",
    "The {metric} curve flattens after two thirds of the steps; early stopping would save time.",
    "Reviewers asked for the per-segment breakdown; it is attached to the MLflow run.",
)


def prose(rng: random.Random, sentences: int, **facts: Any) -> str:
    """A paragraph of plausible notes, with the record's own facts filled in."""
    return " ".join(clause.format(**facts) for clause in rng.sample(_CLAUSES, sentences))


@dataclass
class ExperimentRecord:
    """One run of a sweep: planned with its parameters, then completed (or failed) with results."""

    id: str
    family: Family
    dataset: str
    model: str
    sweep: int
    date: str
    author: str
    params: dict[str, Any]
    path: str
    directory_form: bool = False
    baseline: str = ""
    status: str = "running"
    metrics: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[list[float]]] = field(default_factory=dict)
    notes: str = ""
    revision: int = 0
    code_commit: str = ""
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """What the run is, as its author would title it."""
        return f"{self.model} on {self.dataset} (sweep {self.sweep}, {_params_label(self.params)})"

    def complete(self, rng: random.Random, progress: float) -> None:
        """Results arrive: metrics that improve slowly over the repo's life, training curves for some."""
        self.revision += 1
        if rng.random() < 0.04:
            self.status = "failed"
            self.notes = "Diverged: loss went to NaN after the warm-up. " + prose(rng, 1, **self._facts())
            return
        self.status = "completed"
        quality = min(1.0, max(0.0, 0.15 + 0.55 * progress + rng.gauss(0, 0.12)))
        for metric in self.family.metrics:
            # Every run reports the main metric; fewer report the others (so boards rank on the main one).
            if metric is not self.family.main and rng.random() > (0.85 if metric.name.startswith("test.") else 0.6):
                continue
            position = 1 - quality if metric.lower_is_better else quality
            value = metric.low + (metric.high - metric.low) * min(1.0, max(0.0, position + rng.gauss(0, 0.05)))
            self.metrics[metric.name] = round(value, metric.digits)
        if rng.random() < 0.35:
            self.curves = _curves(rng, self.family.main, self.metrics[self.family.main.name])
        if rng.random() < 0.4:
            self.notes = "\n\n".join(prose(rng, rng.randint(2, 4), **self._facts()) for _ in range(rng.randint(1, 3)))

    def _facts(self) -> dict[str, Any]:
        main = self.family.main
        value = self.metrics.get(main.name, main.low)
        return {"model": self.model, "dataset": self.dataset, "metric": main.name, "value": value,
                "direction": "lower" if main.lower_is_better else "higher"}

    def text(self) -> str:
        """The record's YAML at its current version (notes go to notes.md in the directory form)."""
        data: dict[str, Any] = {"title": self.title, "date": _day(self.date), "status": self.status,
                                "authors": [self.author],
                                "tags": list(self.tags), "task": self.family.task,
                                "dataset": {"name": self.dataset, "version": self.date[:7].replace("-", "."),
                                            "split": "test"},
                                "model": self.model}
        if self.baseline:
            data["baseline"] = self.baseline
        data["params"] = self.params
        if self.metrics:
            data["metrics"] = _nested(self.metrics)
        if self.curves:
            data["history"] = self.curves
        data["code"] = {"repo": f"https://git.example.internal/ml/{self.family.key}", "commit": self.code_commit,
                        "path": f"train_{self.model.replace('-', '_')}.py",
                        "command": f"python train_{self.model.replace('-', '_')}.py --sweep {self.sweep}"}
        data["environment"] = dict(self.family.environment)
        data["links"] = [{"title": "MLflow run",
                          "url": f"https://mlflow.example.internal/#/experiments/{self.sweep}/runs/{self.id}"}]
        if self.notes and not self.directory_form:
            data["notes"] = self.notes + "\n"
        return dump(data)


def new_params(rng: random.Random, model: str) -> dict[str, Any]:
    """Hyper-parameters as each kind of model records them, nested where teams nest them."""
    seed = rng.randint(0, 9999)
    if model in _GBDT:
        return {"learning_rate": rng.choice((0.01, 0.02, 0.03, 0.05, 0.1)), "num_leaves": rng.choice((31, 63, 127, 255)),
                "n_estimators": rng.randrange(200, 3001, 100), "min_child_samples": rng.choice((20, 50, 100)),
                "features": {"windows": rng.sample(["1h", "24h", "7d", "30d"], 2), "encoding": rng.choice(
                    ("target", "count", "embedding"))}, "seed": seed}
    if model in _LINEAR:
        return {"C": rng.choice((0.1, 0.5, 1.0, 4.0, 10.0)), "penalty": rng.choice(("l1", "l2", "elasticnet")),
                "features": {"ngram_range": [1, rng.choice((1, 2, 3))], "min_df": rng.choice((2, 3, 5))}, "seed": seed}
    return {"epochs": rng.randint(3, 30), "batch_size": rng.choice((16, 32, 64, 128)),
            "optimizer": {"name": rng.choice(("adamw", "sgd", "lion")), "lr": rng.choice((1e-5, 3e-5, 1e-4, 3e-4, 1e-3)),
                          "weight_decay": rng.choice((0.0, 0.01, 0.05))},
            "scheduler": {"name": rng.choice(("cosine", "linear", "onecycle")), "warmup_ratio": rng.choice((0.0, 0.05, 0.1))},
            "dropout": rng.choice((0.0, 0.1, 0.2, 0.3)), "precision": rng.choice(("bf16", "fp16", "fp32")), "seed": seed}


def _day(iso: str) -> dt.date:
    """A date YAML writes unquoted, as people do."""
    return dt.date.fromisoformat(iso)


def _params_label(params: dict[str, Any]) -> str:
    shown = [(k, v) for k, v in params.items() if not isinstance(v, dict) and k != "seed"][:2]
    return ", ".join(f"{k} {v}" for k, v in shown)


def _nested(flat: dict[str, float]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        head, _, tail = name.partition(".")
        nested.setdefault(head, {})[tail] = value
    return nested


def _curves(rng: random.Random, main: Metric, final: float) -> dict[str, list[list[float]]]:
    """About twenty points of train/val loss and the main metric, converging on the final value."""
    points = rng.randint(18, 22)
    every = rng.choice((50, 100, 250, 500))
    steps = [every * (i + 1) for i in range(points)]
    start_loss = rng.uniform(1.2, 2.5)
    train = [round(start_loss * (0.25 + 0.75 * 0.82 ** i) + rng.gauss(0, 0.01), 4) for i in range(points)]
    val = [round(t * 1.08 + 0.05 + rng.gauss(0, 0.01), 4) for t in train]
    start = main.high if main.lower_is_better else main.low
    metric = [round(final + (start - final) * 0.8 ** i, main.digits) for i in range(points)]
    short = main.name.partition(".")[2]
    return {"train.loss": [[s, v] for s, v in zip(steps, train)], "val.loss": [[s, v] for s, v in zip(steps, val)],
            f"val.{short}": [[s, v] for s, v in zip(steps, metric)]}


MADR_SECTIONS = ("Context and Problem Statement", "Decision Drivers", "Considered Options", "Decision Outcome",
                 "Consequences")


@dataclass
class DecisionRecord:
    """A MADR 4 decision that is proposed, accepted (or rejected), and perhaps superseded later."""

    number: int
    width: int
    family: Family
    title: str
    date: str
    makers: tuple[str, ...]
    consulted: tuple[str, ...]
    evidence: tuple[str, ...]
    body: str
    slug: str = ""
    status: str = "proposed"
    supersedes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The number as the file name writes it: `0042`."""
        return f"{self.number:0{self.width}d}"

    @property
    def path(self) -> str:
        """`decisions/0042-slug.md`."""
        return f"decisions/{self.id}-{self.slug}.md"

    def text(self) -> str:
        """Front matter and MADR body at the current status."""
        data: dict[str, Any] = {"title": self.title, "status": self.status, "date": _day(self.date),
                                "decision-makers": list(self.makers), "consulted": list(self.consulted),
                                "informed": [STAKEHOLDERS[self.number % len(STAKEHOLDERS)]]}
        if self.supersedes:
            data["supersedes"] = list(self.supersedes)
        data["evidence"] = list(self.evidence)
        if self.models:
            data["models"] = list(self.models)
        data["tags"] = [self.family.key, self.family.task]
        return f"---\n{dump(data)}---\n\n# {self.title}\n\n{self.body}"


def decision_body(rng: random.Random, family: Family, evidence: list[ExperimentRecord]) -> str:
    """The MADR sections, citing the evidence runs by id."""
    best = evidence[0]
    options = "\n".join(f"* `{run.id}`: {run.model} ({family.main.name} {run.metrics.get(family.main.name, 'n/a')})"
                        for run in evidence)
    parts = {
        "Context and Problem Statement": prose(rng, 3, **best._facts()),
        "Decision Drivers": "\n".join(f"* {prose(rng, 1, **best._facts())}" for _ in range(3)),
        "Considered Options": options,
        "Decision Outcome": f'Chosen option: "`{best.id}`", because {prose(rng, 2, **best._facts()).lower()}',
        "Consequences": "\n".join(f"* {word}, because {prose(rng, 1, **best._facts()).lower()}"
                                  for word in ("Good", "Good", "Bad")),
    }
    return "".join(f"## {name}\n\n{parts[name]}\n\n" for name in MADR_SECTIONS)


CARD_STATUSES = ("development", "candidate", "production", "deprecated")
HF_SECTIONS = ("Model Details", "Uses", "Bias, Risks, and Limitations", "Training Details", "Evaluation")
HF_SUBSECTIONS = {"Uses": ("Direct Use", "Out-of-Scope Use")}
"""The template's subsections that card governance asks production cards for."""


@dataclass
class ModelCardRecord:
    """A Hugging Face-style card whose evaluation numbers come from the linked experiments."""

    id: str
    family: Family
    name: str
    version: str
    date: str
    owners: tuple[str, ...]
    evaluations: tuple[ExperimentRecord, ...]
    decisions: tuple[str, ...]
    body: str
    status: int = 0

    @property
    def path(self) -> str:
        """`models/<id>.md`."""
        return f"models/{self.id}.md"

    def text(self) -> str:
        """HF metadata plus mlreport's own keys, then the HF template's sections."""
        data: dict[str, Any] = {
            "name": self.name, "version": self.version, "date": _day(self.date), "status": CARD_STATUSES[self.status],
            "owners": list(self.owners), "license": "other", "library_name": self.evaluations[0].model,
            "tags": [self.family.key, self.family.task], "datasets": sorted({e.dataset for e in self.evaluations}),
            "metrics": [m.name.partition(".")[2] for m in self.family.metrics[:3]]}
        if self.decisions:
            data["decisions"] = list(self.decisions)
        data["evaluations"] = [{"experiment": e.id, "metrics": [m.name for m in self.family.metrics if m.name in e.metrics],
                                "split": "test"} for e in self.evaluations]
        return f"---\n{dump(data)}---\n\n# {self.name}\n\n{self.body}"


def card_body(rng: random.Random, evaluations: list[ExperimentRecord]) -> str:
    """The Hugging Face model card template's main sections, filled with notes."""
    facts = evaluations[0]._facts()
    return "".join(f"## {name}\n\n{prose(rng, rng.randint(2, 4), **facts)}\n\n"
                   + "".join(f"### {sub}\n\n{prose(rng, rng.randint(1, 2), **facts)}\n\n"
                             for sub in HF_SUBSECTIONS.get(name, ()))
                   for name in HF_SECTIONS)
