"""mlreport: an ML team's shared memory, kept in git and published as a static site.

The pipeline, and the module that owns each step:

    mkdocs.yml ──► config.py            options: plain dataclasses, every bad option located
    records/   ──► records/             load: one module per kind (experiment, decision, model_card),
                                        the kinds' registry (kinds.py), files read and fingerprinted
                                        (source.py), YAML with line marks (marked_yaml.py), the
                                        record cache (cache.py: records as JSON data, codec.py), the
                                        repository's boundary every file read must lie within (boundary.py)
               ──► catalog.py           join: records by id, references resolved, backlinks,
                                        leaderboards (leaderboards.py)
               ──► kpis.py              KPIs: the production model's value against each target, the best candidate
               ──► governance.py        card governance: the sections and fields a card's status requires
               ──► validate.py          check: rules across records; `read_records` = load + join + check
    git        ──► history/             provenance: one pass over `git log` (git.py runs every git call)
               ──► render/              pages: the catalog and history in, {page: Markdown} + data + assets out
                                        (record_texts.py keeps each record's rows between builds by its digest)
               ──► pipeline.py          `generate_site`: the whole build as one function of those steps

    engines and commands, over the core:
        plugin.py   the MkDocs plugin: hands generate_site's output to MkDocs, and converts each
                    generated page's Markdown once (page_cache.py keeps the HTML by its inputs' hash);
                    theme_shell.py renders the theme once per folder of record pages, filled per page;
                    site_manifest.py keeps what each record page was built from, so the next build takes
                    the unchanged ones from the last site (their inputs' digest: render/page_inputs.py)
        build.py    `mlreport build`: MkDocs run safely (build beside, swap on success); a build whose
                    inputs are all as the last one found them stops once its site is checked intact
                    (build_inputs.py: the inputs' fingerprint, the site's listing by stat)
        serve.py    `mlreport serve`: the site built once and kept in memory; a saved record re-renders
                    only the pages that can show it, anything else builds the site again;
                    preview_changes.py works out what a save changed and which pages can show it (no
                    engine), preview_server.py is the live-reload server (MkDocs' own, told which
                    files changed)
        cli.py      the click commands, thin
    beside the pipeline: project.py (where the project is), site_folder.py (what a site folder may be,
    the marker, the swap; site_remover.py removes an old site after the build, keeping its folders for
    the next, makes the last site's folders in a new one while a build with none to take runs, checks
    the folders a build takes empty, and links the last site's unchanged files into the new one),
    diff/ (the pull-request report: two catalogs compared), scaffold.py (`new`, `init`), importers/
    (`import mlflow|dvc|hf-card`, `export hf-card`: records in from the tools teams already use,
    written as a person would, and cards back out), ci.py (pipeline files),
    results.py (`mlreport query`'s answer), schema.py (JSON Schemas), metrics.py (what metric values
    mean and how they read), query.py (the query language every filter speaks: options, CLI, diff,
    site), problems.py (the one user-facing error type), collector.py (Python's garbage collector
    paused while a step makes many long-lived objects).

Imports go one way, down this list: records import nothing above them; the catalog imports the
records; render imports the catalog and history; only the engine adapters (plugin.py, build.py,
serve.py, cli.py) import MkDocs. tests/test_architecture.py enforces it.
"""

from __future__ import annotations

__version__ = "0.1.0"
