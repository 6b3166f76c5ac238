"""The golden test: the generated Markdown, HTML record pages and data of a small repo, against a checked-in tree.

After an intended change to the output, regenerate the expected tree and review its diff:
    MLREPORT_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from sitekit import FIXTURES, team_repo

from repos import GitRepo
from mlreport.config import load_options
from mlreport.pipeline import generate_site
from mlreport.render import Generated, html_path

EXPECTED = FIXTURES / "golden_expected"


def test_generated_site_matches_the_golden_tree(repo: GitRepo) -> None:
    team_repo(repo)
    result = generate_site(load_options(repo.path))
    assert not result.failed, result.problems
    actual = normalised(result.site, repo.path)
    if os.environ.get("MLREPORT_UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for path, text in actual.items():
            (EXPECTED / path).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / path).write_text(text, encoding="utf-8")
    expected = {p.relative_to(EXPECTED).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(EXPECTED.rglob("*")) if p.is_file()}
    assert sorted(actual) == sorted(expected)
    for path in expected:
        assert actual[path] == expected[path], f"{path} differs from the golden tree (see the module docstring)"


def normalised(generated: Generated, root: Path) -> dict[str, str]:
    """Pages as written, JSON pretty-printed, assets as a list; the temporary repo path replaced."""
    tree = {path: text for path, text in generated.pages.items()}
    tree.update({html_path(path): page.html for path, page in generated.html_pages.items()})
    tree["_html_pages.json"] = json.dumps({path: {"meta": page.meta, "toc": page.toc, "anchors": page.anchors,
                                                  "search": [asdict(section) for section in page.search]}
                                           for path, page in generated.html_pages.items()},
                                          indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    tree.update({f"{path}.pretty": json.dumps(json.loads(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
                 for path, data in generated.files.items() if path.endswith(".json")})
    tree["_site.json"] = json.dumps({
        "assets": sorted(generated.assets), "css": generated.css, "javascript": generated.javascript,
        "nav": generated.nav, "sources": generated.sources}, indent=1, sort_keys=True) + "\n"
    return {path: text.replace(str(root), "<repo>") for path, text in tree.items()}
