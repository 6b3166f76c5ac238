"""`mlreport init --ci github|gitlab`: the pipelines that validate, report on and publish a repo's records."""

from __future__ import annotations

import os
from pathlib import Path


from mlreport import __version__, git
from mlreport.config import Options

PROVIDERS = ("github", "gitlab")
# Template (under templates/ci/) → where it goes, relative to the repository's top folder.
PIPELINES = {
    "github": {"github/pr.yml": ".github/workflows/mlreport-pr.yml",
               "github/pages.yml": ".github/workflows/mlreport-pages.yml"},
    "gitlab": {"gitlab/gitlab-ci.yml": ".gitlab-ci.yml"},
}
PACKAGE = f'"mlreport=={__version__}"'
"""What the pipelines install: this very version, so CI builds what the author previewed."""


def write_pipelines(options: Options, provider: str) -> tuple[list[Path], list[Path]]:
    """Write a provider's pipeline files; returns (written, skipped because they already exist)."""
    top, branch = _repository(options.root)
    root = Path(os.path.relpath(options.root.resolve(), top)).as_posix()
    written, skipped = [], []
    for template, target in PIPELINES[provider].items():
        path = top / target
        if path.exists():
            skipped.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_pipeline(options, template, install=PACKAGE, branch=branch, root=root),
                        encoding="utf-8")
        written.append(path)
    return written, skipped


def render_pipeline(options: Options, template: str, *, install: str, branch: str, root: str) -> str:
    """One pipeline file from its template under templates/ci/."""
    # CI files are full of `${{ … }}` expressions of their own: template fields are `[[ … ]]` instead,
    # and nothing is HTML-escaped in a YAML file.
    from mlreport.templates import environment  # Jinja2 only for `init --ci`, not for every command

    env = environment(options, block_start_string="[%", block_end_string="%]", variable_start_string="[[",
                      variable_end_string="]]", comment_start_string="[#", comment_end_string="#]")
    env.autoescape = False
    return env.get_template(f"ci/{template}").render(install=install, branch=branch, root=root)


def _repository(root: Path) -> tuple[Path, str]:
    """The repository's top folder (pipelines live there) and its default branch."""
    try:
        repo = git.probe(root)
    except git.GitError:
        return root.resolve(), "main"
    branch = git.default_branch(repo.toplevel) or git.symbolic_ref(repo.toplevel, "HEAD") or "main"
    return repo.toplevel.resolve(), branch.removeprefix("origin/")
