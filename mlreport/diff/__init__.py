"""`mlreport diff`: what a branch changes in the records, for the people reviewing it.

Reads BASE from git objects (never a checkout), joins both sides into models with the same
options, and compares them: new and changed experiments with where they land on every
leaderboard, decision status changes, model cards whose numbers move, removed records.
"""

from __future__ import annotations

from mlreport.config import Options
from mlreport.diff.changes import Report, compare
from mlreport.diff.markdown import render_markdown
from mlreport.diff.snapshot import DiffError, load_base, open_repo, resolve_base
from mlreport.diff.structured import render_json
from mlreport.catalog import build_catalog
from mlreport.query import Query
from mlreport.records import RecordCache
from mlreport.validate import read_records

__all__ = ["DiffError", "Report", "diff_repo", "render_json", "render_markdown"]


def diff_repo(options: Options, base: str | None = None, query: Query | None = None) -> Report:
    """Compare the working tree's records with BASE's (default: the merge base with the default branch).

    With `query`, the report covers only the experiments it matches (decisions and cards stay).
    """
    repo = open_repo(options.root)
    resolved = resolve_base(repo, base)
    # The work tree first, through the record cache: its entries then serve BASE's records whose blobs they
    # were read from, so only what the branch changed is parsed.
    cache = RecordCache.open(options)
    tree = read_records(options, cache=cache)
    base_model = build_catalog(load_base(options, repo, resolved.commit, cache), options)
    tree_model, problems = tree.catalog, tree.problems
    return compare(base_model, tree_model, problems, base_label=resolved.label, base_commit=resolved.commit,
                   query=query)
