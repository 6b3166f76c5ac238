"""Generate a realistic mlreport repository of any size with one `git fast-import` stream.

N experiments (run in sweeps, planned then completed with nested params, metrics and training
curves), N/10 decisions that go proposed → accepted → superseded and cite their evidence,
N/50 model cards evaluated on experiments and promoted to production, and about 2N commits
by several authors, landed as pull requests (merge commits and squashes), with renames.
The same N and seed give the same repository, commit ids included.

    python benchmarks/make_repo.py OUT --n 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from team_records import (CARD_STATUSES, FAMILIES, PEOPLE, DecisionRecord, ExperimentRecord,  # noqa: E402
                     Family, ModelCardRecord, card_body, decision_body, new_params, prose)

NAMES = {"priya.raman": "Priya Raman", "marcus.chen": "Marcus Chen", "zoë.lindqvist": "Zoë Lindqvist",
         "josé.álvarez": "José Álvarez", "amara.okafor": "Amara Okafor", "li.na": "李娜",
         "łukasz.nowak": "Łukasz Nowak", "hannah.brooks": "Hannah Brooks", "dev.patel": "Dev Patel",
         "søren.holm": "Søren Holm"}
ZONES = ("+0000", "+0100", "-0500", "+0800", "+0530", "+0200")
START = 1_640_995_200  # 2022-01-01, so the repo spans a few years of a team's work
BRANCH = "refs/heads/pull-request"
MKDOCS_YML = """\
site_name: ML records (benchmark, {n} experiments)
repo_url: https://git.example.internal/ml/records
repo_name: ml/records
edit_uri: edit/main/docs/
theme:
  name: material
  font: false
  features: [navigation.instant, navigation.tabs, navigation.top, search.highlight, content.action.edit]
plugins:
  - search
  - mlreport:
      leaderboards:
        - {{title: Fraud detection — PR-AUC, task: fraud-detection, dataset: transactions, metric: test.pr_auc}}
        - {{title: Receipts — accuracy, task: image-classification, dataset: receipts-v3, metric: test.accuracy}}
      metric_goals:
        test.recall_at_1pct_fpr: max
markdown_extensions: [tables, admonition, attr_list, md_in_html, {{toc: {{permalink: true}}}}]
"""
FIRST_FILES = {
    ".gitignore": "site/\n.mlreport/cache/\n",
    "docs/about.md": "# How we keep records\n\nEvery experiment, decision and model card lands by pull request.\n",
    "decisions/README.md": "# Decisions\n\nOne MADR file per decision, numbered.\n",
}


@dataclass(frozen=True)
class Change:
    """One commit's worth of work: a title, who did it, and file operations (M path text | R old new)."""

    title: str
    author: str
    ops: tuple[tuple[str, ...], ...]


@dataclass
class Summary:
    """What was generated."""

    experiments: int
    decisions: int
    models: int
    commits: int
    records: list[tuple[str, str, str, str]]
    """(kind, id, title, path) of every record, as `mlreport.history.read_history` takes them."""


@dataclass
class FastImport:
    """Writes commits to a `git fast-import` stream: pull requests merged or squashed, or pushed to main."""

    out: IO[bytes]
    rng: random.Random
    clock: int = START
    mark: int = 0
    commits: int = 0
    pr: int = 0
    main: int = 0

    def commit(self, ref: str, author: str, message: str, ops: tuple[tuple[str, ...], ...],
               parents: tuple[int, ...] = ()) -> int:
        """One commit; returns its mark."""
        self.mark += 1
        self.commits += 1
        self.clock += self.rng.randint(300, 7200)
        who = f"{NAMES[author]} <{author.encode('ascii', 'ignore').decode() or 'li.na'}@example.com>"
        stamp = f"{self.clock} {ZONES[PEOPLE.index(author) % len(ZONES)]}"
        text = message.encode()
        chunks = [f"commit {ref}\nmark :{self.mark}\nauthor {who} {stamp}\ncommitter {who} {stamp}\n".encode(),
                  b"data %d\n%s\n" % (len(text), text)]
        chunks += [f"from :{parents[0]}\n".encode()] if parents else []
        chunks += [f"merge :{parent}\n".encode() for parent in parents[1:]]
        for op in ops:
            if op[0] == "M":
                data = op[2].encode()
                chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (op[1].encode(), len(data), data))
            else:
                chunks.append(f'R "{op[1]}" "{op[2]}"\n'.encode())
        self.out.write(b"".join(chunks) + b"\n")
        return self.mark

    def land(self, changes: list[Change]) -> None:
        """Land a pull request: a merge commit over its branch, a squash "Title (#N)", or (one change) a push."""
        first = changes[0]
        parents = (self.main,) if self.main else ()
        style = self.rng.random()
        if len(changes) == 1 and style < 0.1:
            self.main = self.commit("refs/heads/main", first.author, first.title, first.ops, parents)
            return
        self.pr += self.rng.randint(1, 3)  # issues share the numbering
        if style < 0.45:
            body = "\n".join(f"* {change.title}" for change in changes)
            ops = tuple(op for change in changes for op in change.ops)
            self.main = self.commit("refs/heads/main", first.author, f"{first.title} (#{self.pr})\n\n{body}", ops,
                                    parents)
            return
        tip = self.main
        for change in changes:
            tip = self.commit(BRANCH, change.author, change.title, change.ops, (tip,))
        branch = "-".join(_slug(first.title).split("-")[:5])
        message = f"Merge pull request #{self.pr} from {first.author}/{branch}\n\n{first.title}"
        # The branch forked from main's tip, so the merged tree is the branch's tree: replay its changes.
        ops = tuple(op for change in changes for op in change.ops)
        self.main = self.commit("refs/heads/main", changes[-1].author, message, ops, (self.main, tip))

    def day(self) -> str:
        """Today's date in the generated history."""
        return dt.datetime.fromtimestamp(self.clock, dt.timezone.utc).date().isoformat()


@dataclass
class Team:
    """The team's work over time, as a stream of changes; records keep their current state."""

    n: int
    rng: random.Random
    stream: FastImport
    experiments: list[ExperimentRecord] = field(default_factory=list)
    running: list[ExperimentRecord] = field(default_factory=list)
    done: dict[str, list[ExperimentRecord]] = field(default_factory=dict)
    decisions: list[DecisionRecord] = field(default_factory=list)
    cards: list[ModelCardRecord] = field(default_factory=list)
    sweeps: int = 0

    @property
    def decision_target(self) -> int:
        """A tenth as many decisions as experiments."""
        return self.n // 10

    @property
    def card_target(self) -> int:
        """A fiftieth as many model cards."""
        return self.n // 50

    @property
    def finished(self) -> bool:
        """Whether every record exists and every run has its results."""
        owed = len(self.decisions) < self.decision_target or len(self.cards) < self.card_target
        return len(self.experiments) >= self.n and not self.running and not (owed and self._completed_families())

    def changes(self) -> Iterator[Change]:
        """Every record created and evolved, interleaved as a team works; then edits, without end."""
        while not self.finished:
            yield self._next()
        while True:
            yield self._edit()

    def _next(self) -> Change:
        completed = sum(len(runs) for runs in self.done.values())
        if len(self.decisions) < self.decision_target * completed // self.n and self._completed_families():
            return self._new_decision()
        if len(self.cards) < self.card_target * completed // self.n and self._completed_families():
            return self._new_card()
        roll = self.rng.random()
        if self.running and (roll < 0.6 or len(self.experiments) >= self.n):
            return self._complete()
        if len(self.experiments) < self.n and roll < 0.9:
            return self._new_sweep()
        proposed = [d for d in self.decisions if d.status == "proposed"]
        if proposed and roll < 0.95:
            return self._decide(proposed[0])
        promotable = [c for c in self.cards if c.status < 2]
        if promotable:
            return self._promote(promotable[0])
        return self._edit() if completed else self._new_sweep()

    def _new_sweep(self) -> Change:
        family = self.rng.choice(FAMILIES)
        model = self.rng.choice(family.models)
        dataset = self.rng.choice(family.datasets)
        author = self.rng.choice(PEOPLE)
        self.sweeps += 1
        size = min(self.n - len(self.experiments), self.rng.choice((1, 1, 2, 3, 4, 6, 8)))
        day = self.stream.day()
        baseline = self._baseline(family, dataset)
        ops = []
        for _ in range(size):
            number = len(self.experiments) + 1
            run_id = f"{family.key}-{model}-{number:05d}"
            directory_form = number % 20 == 0
            folder = f"experiments/{family.key}/{day[:4]}"
            path = f"{folder}/{run_id}/experiment.yaml" if directory_form else f"{folder}/{run_id}.yaml"
            run = ExperimentRecord(run_id, family, dataset, model, self.sweeps, day, author,
                                   new_params(self.rng, model), path, directory_form,
                                   baseline=baseline if self.rng.random() < 0.6 else "",
                                   code_commit=f"{self.rng.getrandbits(48):012x}",
                                   tags=(family.key, model.split("-")[0], f"sweep-{self.sweeps}"))
            self.experiments.append(run)
            self.running.append(run)
            ops.append(("M", run.path, run.text()))
        what = f"sweep {self.sweeps}: {size} {family.key} {model} runs" if size > 1 else f"{family.key} run {run_id}"
        return Change(f"Plan {what}", author, tuple(ops))

    def _baseline(self, family: Family, dataset: str) -> str:
        runs = [run for run in self.done.get(family.key, []) if run.dataset == dataset and run.metrics]
        return runs[0].id if runs else ""

    def _complete(self) -> Change:
        run = self.running.pop(0)
        run.complete(self.rng, len(self.experiments) / self.n)
        self.done.setdefault(run.family.key, []).append(run)
        ops = [("M", run.path, run.text())]
        if run.directory_form and run.notes:
            ops.append(("M", run.path.replace("experiment.yaml", "notes.md"), f"# Notes\n\n{run.notes}\n"))
        verb = "Record results of" if run.status == "completed" else "Mark failed:"
        return Change(f"{verb} {run.id}", run.author, tuple(ops))

    def _completed_families(self) -> list[Family]:
        return [f for f in FAMILIES if any(r.metrics for r in self.done.get(f.key, [])[-40:])]

    def _evidence(self, family: Family, count: int) -> list[ExperimentRecord]:
        recent = [run for run in self.done[family.key][-40:] if run.metrics]
        picked = self.rng.sample(recent, min(count, len(recent)))
        main = family.main
        return sorted(picked, key=lambda r: r.metrics[main.name], reverse=not main.lower_is_better)

    def _new_decision(self) -> Change:
        family = self.rng.choice(self._completed_families())
        evidence = self._evidence(family, self.rng.randint(2, 4))
        makers = tuple(self.rng.sample(PEOPLE, 2))
        number = len(self.decisions) + 1
        width = max(4, len(str(self.decision_target)))
        title = f"Use {evidence[0].model} for {family.task} on {evidence[0].dataset}"
        decision = DecisionRecord(number, width, family, title, self.stream.day(), makers,
                                  tuple(self.rng.sample(PEOPLE, 2)), tuple(run.id for run in evidence),
                                  decision_body(self.rng, family, evidence), slug=_slug(title))
        cards = [card.id for card in self.cards if card.family is family]
        if cards and self.rng.random() < 0.5:
            decision.models = (cards[-1],)
        ops = [("M", decision.path, "")]
        older = [d for d in self.decisions if d.family is family and d.status == "accepted"]
        if older and self.rng.random() < 0.4:
            # Superseding flips the older decision in the same change, so its status is never stale.
            decision.supersedes = (older[-1].id,)
            older[-1].status = "superseded"
            ops.append(("M", older[-1].path, older[-1].text()))
            title = f"Supersede {older[-1].id}: {title}"
        self.decisions.append(decision)
        ops[0] = ("M", decision.path, decision.text())
        return Change(f"Propose decision {decision.id}: {title}", makers[0], tuple(ops))

    def _decide(self, decision: DecisionRecord) -> Change:
        decision.status = "rejected" if not decision.supersedes and self.rng.random() < 0.1 else "accepted"
        return Change(f"Decision {decision.id} {decision.status}", decision.makers[1],
                      (("M", decision.path, decision.text()),))

    def _new_card(self) -> Change:
        family = self.rng.choice(self._completed_families())
        evaluations = self._evidence(family, self.rng.randint(1, 3))
        version = sum(1 for card in self.cards if card.family is family) + 1
        card_id = f"{family.key}-{evaluations[0].model}-v{version}"
        decisions = tuple(d.id for d in self.decisions if d.family is family and d.status == "accepted")[-2:]
        owners = tuple(self.rng.sample(PEOPLE, 2))
        card = ModelCardRecord(card_id, family, f"{family.key.title()} {evaluations[0].model} v{version}",
                               f"{version}.0.0", self.stream.day(), owners, tuple(evaluations), decisions,
                               card_body(self.rng, evaluations))
        self.cards.append(card)
        return Change(f"Add model card {card.id}", owners[0], (("M", card.path, card.text()),))

    def _promote(self, card: ModelCardRecord) -> Change:
        card.status += 1
        ops = [("M", card.path, card.text())]
        if CARD_STATUSES[card.status] == "production":
            for other in self.cards:
                if other is not card and other.family is card.family and CARD_STATUSES[other.status] == "production":
                    other.status = CARD_STATUSES.index("deprecated")
                    ops.append(("M", other.path, other.text()))
        return Change(f"Promote {card.id} to {CARD_STATUSES[card.status]}", card.owners[0], tuple(ops))

    def _edit(self) -> Change:
        """The long tail of a team's work: notes, retitled decisions, archived sweeps, card updates."""
        roll = self.rng.random()
        if roll < 0.03:
            return self._archive()
        if roll < 0.05 and self.decisions:
            return self._retitle(self.rng.choice(self.decisions))
        promotable = [c for c in self.cards if c.status < 2]
        if roll < 0.1 and promotable:
            return self._promote(self.rng.choice(promotable))
        run = self.rng.choice(self.done[self.rng.choice(sorted(self.done))])
        run.revision += 1
        run.notes = (run.notes + "\n\n" if run.notes else "") + prose(self.rng, 2, **run._facts())
        ops = [("M", run.path, run.text())]
        if run.directory_form:
            ops.append(("M", run.path.replace("experiment.yaml", "notes.md"), f"# Notes\n\n{run.notes}\n"))
        return Change(f"Notes on {run.id} after review", self.rng.choice(PEOPLE), tuple(ops))

    def _archive(self) -> Change:
        """Move a finished sweep's runs under experiments/archive/: renames, the ids unchanged."""
        run = self.rng.choice([r for runs in self.done.values() for r in runs])
        sweep = [r for r in self.experiments if r.sweep == run.sweep and r.status != "running"
                 and "/archive/" not in r.path]
        ops = []
        for member in sweep:
            old = member.path.removesuffix("/experiment.yaml")
            new = old.replace("experiments/", "experiments/archive/", 1)
            member.path = member.path.replace("experiments/", "experiments/archive/", 1)
            ops.append(("R", old, new))
        if not ops:
            return self._edit()
        return Change(f"Archive sweep {run.sweep}", run.author, tuple(ops))

    def _retitle(self, decision: DecisionRecord) -> Change:
        old = decision.path
        decision.title = decision.title.replace("Use ", "Adopt ", 1) if decision.title.startswith("Use ") \
            else decision.title.replace("Adopt ", "Use ", 1)
        decision.slug = _slug(decision.title)
        return Change(f"Retitle decision {decision.id}", decision.makers[0],
                      (("R", old, decision.path), ("M", decision.path, decision.text())))


def _slug(title: str) -> str:
    return "-".join(word for word in "".join(c if c.isalnum() else " " for c in title.lower()).split())[:60]


def make_repo(out: Path, n: int, seed: int = 0) -> Summary:
    """Generate the repository in `out` (created; must be empty) and check out main."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; give a new folder")
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    process = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out, stdin=subprocess.PIPE)
    assert process.stdin is not None
    rng = random.Random(seed)
    stream = FastImport(process.stdin, rng)
    team = Team(n, rng, stream)
    try:
        files = {**FIRST_FILES, "mkdocs.yml": MKDOCS_YML.format(n=n)}
        stream.main = stream.commit("refs/heads/main", PEOPLE[0], "Set up the records site",
                                    tuple(("M", path, text) for path, text in files.items()))
        changes = team.changes()
        while not team.finished or stream.commits < 2 * n:
            stream.land([next(changes) for _ in range(rng.choice((1, 1, 2, 3)))])
        process.stdin.write(b"done\n")
        process.stdin.close()
    finally:
        if process.wait() != 0:
            raise SystemExit("git fast-import failed")
    subprocess.run(["git", "update-ref", "-d", BRANCH], cwd=out, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True)
    rows = [("experiment", r.id, r.title, r.path) for r in team.experiments]
    rows += [("decision", d.id, d.title, d.path) for d in team.decisions]
    rows += [("model", c.id, c.name, c.path) for c in team.cards]
    return Summary(len(team.experiments), len(team.decisions), len(team.cards), stream.commits, rows)


def main() -> None:
    """Command line: `make_repo.py OUT --n N [--seed S]`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create the repository in (new or empty)")
    parser.add_argument("--n", type=int, default=1000, help="number of experiments (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()
    summary = make_repo(args.out, args.n, args.seed)
    print(f"{args.out}: {summary.experiments} experiments, {summary.decisions} decisions, "
          f"{summary.models} model cards, {summary.commits} commits")


if __name__ == "__main__":
    main()
