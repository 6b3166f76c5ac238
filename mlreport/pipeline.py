"""What every build starts from: the records loaded and validated, and their git history."""

from __future__ import annotations

from dataclasses import dataclass

from mlreport.config import Options
from mlreport.history import History, read_history
from mlreport.model import RepoModel
from mlreport.problems import Problem, errors
from mlreport.validate import validate_repo


@dataclass
class SiteInputs:
    """The validated model, every problem found, and the records' history."""

    model: RepoModel
    problems: list[Problem]
    history: History

    @property
    def failed(self) -> bool:
        """Whether the records have errors (warnings alone do not stop a build)."""
        return bool(errors(self.problems))


def read_site(options: Options) -> SiteInputs:
    """Load (unchanged records from the cache) and validate the records; read their history (one pass over
    git) only when they are valid."""
    model, problems = validate_repo(options, cached=True)
    if errors(problems):
        return SiteInputs(model, problems, History(repo_url=options.repo_url))
    records = [*model.experiments.values(), *model.decisions.values(), *model.models.values()]
    history = read_history(options, [(r.kind, r.id, r.title, r.path) for r in records])
    return SiteInputs(model, problems, history)
