"""What every build starts from: the records loaded and validated, and their git history."""

from __future__ import annotations

from dataclasses import dataclass

from mlreport.config import Options
from mlreport.history import History
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
    """Load and validate the records; read their history only when they are valid."""
    model, problems = validate_repo(options)
    history = History(repo_url=options.repo_url)
    return SiteInputs(model, problems, history)
