"""The baseline: a plain MkDocs site with the same pages as mlreport's, written as ordinary prose.

Every page mlreport generates gets a plain page at the same path and of the same size (headings,
paragraphs, a table, a list), and the repo's own docs pages are copied. The config keeps the
repo's theme and Markdown extensions with only the search plugin, and the navigation mlreport
makes: the section pages in it, every other page built but out of it (`not_in_nav`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

RECORD_FOLDERS = ("experiments", "decisions", "models")
_BLOCKS = (
    "## Section {i}\n\n",
    "Run {n} of the study compared configuration {i} with the previous best on the held-out split; the "
    "difference held across three seeds, and the reviewers asked for a breakdown by segment before merging. "
    "Training took longer than planned because the data loader was the bottleneck, not the accelerator.\n\n",
    "| name | value | note |\n|---|---:|---|\n" + "".join(f"| setting_{k}.{{i}} | {{n}}.{k}{k} | kept |\n"
                                                       for k in range(8)) + "\n",
    "* Observation {i}: the curve flattens after two thirds of the steps.\n* The cost per run is {n} units.\n"
    "* Calibration drifts on the smallest segment.\n\n",
    "The decision record explains why option {i} was chosen over the alternatives, which consequences the team "
    "accepted, and which follow-up work is planned for the next quarter, with owners and dates.\n\n",
)


def plain_page(title: str, size: int, number: int) -> str:
    """Markdown prose of exactly `size` bytes (ASCII), varied by `number`."""
    parts, length, i = [f"# {title}\n\n"], 0, 0
    while length < size:
        block = _BLOCKS[(number + i) % len(_BLOCKS)].format(n=number, i=i)
        parts.append(block)
        length += len(block)
        i += 1
    return "".join(parts)[: max(size - 1, 0)] + "\n"


def write_plain_site(generated: Path, config_file: Path, out: Path) -> tuple[int, float]:
    """Write the plain site for the pages in `generated`; returns (pages, average record page bytes)."""
    docs = out / "docs"
    own_docs = config_file.parent / "docs"
    pages = sorted(path.relative_to(generated).as_posix() for path in generated.rglob("*.md"))
    record_sizes = []
    for number, page in enumerate(pages):
        size = (generated / page).stat().st_size
        if page.split("/")[0] in RECORD_FOLDERS and page.count("/") == 1 and not page.endswith("/index.md"):
            record_sizes.append(size)
        target = docs / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plain_page(Path(page).stem, size, number), encoding="ascii")
    own = sorted(path.relative_to(own_docs).as_posix() for path in own_docs.rglob("*.md")) if own_docs.is_dir() else []
    for page in own:
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(own_docs / page, docs / page)
    (out / "mkdocs.yml").write_text(yaml.safe_dump(plain_config(config_file, pages, own), sort_keys=False,
                                                   allow_unicode=True), encoding="utf-8")
    return len(pages) + len(own), sum(record_sizes) / max(len(record_sizes), 1)


def plain_config(config_file: Path, pages: list[str], own: list[str]) -> dict[str, Any]:
    """The repo's site settings with search as the only plugin, and mlreport's kind of navigation."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    sections = [page for page in pages if page == "index.md" or (page.count("/") == 1 and page.endswith("/index.md"))]
    hidden = sorted({f"/{page.split('/')[0]}/" for page in pages if "/" in page})
    kept = {key: config[key] for key in ("site_name", "repo_url", "repo_name", "edit_uri", "theme",
                                         "markdown_extensions") if key in config}
    return {**kept, "plugins": ["search"], "nav": sections + own, "not_in_nav": "\n".join(hidden)}
