"""`mlreport new` and `mlreport init` through the real CLI: what they write, and what they never overwrite."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlreport.records.marked_yaml import split_front_matter

SCHEMA_LINE = re.compile(r"\A# yaml-language-server: \$schema=(?P<path>\S+)\n")


@pytest.fixture
def today():
    """Today's date, as either side of midnight during the test may have seen it."""
    before = dt.date.today().isoformat()
    yield lambda: {before, dt.date.today().isoformat()}


def front_matter(path: Path) -> dict:
    document, _, _ = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    assert document is not None
    return document.data


def as_json(data: dict) -> dict:
    """YAML data as an editor's schema validator sees it (dates are strings in JSON)."""
    return json.loads(json.dumps(data, default=str))


def test_new_experiment(cli, repo, today) -> None:
    result = cli("new", "experiment", "ResNet-50 with RandAugment", "--root", repo.path)
    assert (result.exit_code, result.stdout) == (0, "experiments/resnet-50-with-randaugment.yaml\n")
    path = repo.path / "experiments/resnet-50-with-randaugment.yaml"
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["title"] == "ResNet-50 with RandAugment"
    assert data["date"].isoformat() in today()
    assert data["authors"] == ["Test User"]  # the repo's git user
    # The editor's schema line points, relative to the file, at the same schema `mlreport schema` prints.
    schema_file = (path.parent / SCHEMA_LINE.match(text)["path"]).resolve()
    assert schema_file == (repo.path / ".mlreport/schemas/experiment.json").resolve()
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema == json.loads(cli("schema", "experiment").stdout)
    jsonschema.Draft202012Validator(schema).validate(as_json(data))
    validated = cli("validate", "--strict", "--root", repo.path)
    assert (validated.exit_code, validated.stdout) == (0, "")


def test_new_decision(cli, repo, today) -> None:
    repo.write("decisions/0001-record-decisions.md", "---\nstatus: accepted\n---\n# Record decisions\n")
    result = cli("new", "decision", "Use focal loss for rare classes", "--root", repo.path)
    assert (result.exit_code, result.stdout) == (0, "decisions/0002-use-focal-loss-for-rare-classes.md\n")
    path = repo.path / "decisions/0002-use-focal-loss-for-rare-classes.md"
    data = front_matter(path)
    assert (data["title"], data["status"], data["decision-makers"]) == (
        "Use focal loss for rare classes", "proposed", ["Test User"])
    assert data["date"].isoformat() in today()
    assert "\n# Use focal loss for rare classes\n" in path.read_text(encoding="utf-8")
    schema = json.loads(cli("schema", "decision").stdout)
    jsonschema.Draft202012Validator(schema).validate(as_json(data))
    assert_placeholders_warn_until_filled(cli, repo, path)


def test_new_model_card(cli, repo) -> None:
    result = cli("new", "model", "Receipt classifier", "--root", repo.path)
    assert (result.exit_code, result.stdout) == (0, "models/receipt-classifier.md\n")
    data = front_matter(repo.path / "models/receipt-classifier.md")
    assert (data["name"], data["owners"], data["status"]) == ("Receipt classifier", ["Test User"], "development")
    schema = json.loads(cli("schema", "model").stdout)
    jsonschema.Draft202012Validator(schema).validate(as_json(data))
    assert_placeholders_warn_until_filled(cli, repo, repo.path / "models/receipt-classifier.md")


def assert_placeholders_warn_until_filled(cli, repo, path: Path) -> None:
    """Each `{…}` the template left in the body is a warning at its line and column (an error under
    --strict), until the author writes their own words there."""
    text = path.read_text(encoding="utf-8")
    body_start = text.index("\n---\n", 4) + 5
    body_first_line = text[:body_start].count("\n") + 1
    placeholders = [(number, found.start() + 1)
                    for number, line in enumerate(text[body_start:].splitlines(), start=body_first_line)
                    for found in re.finditer(r"\{[A-Za-z][^{}]* [^{}]*\}", line)]
    assert len(placeholders) >= 5
    relaxed = cli("validate", "--root", repo.path)
    assert relaxed.exit_code == 0
    shown = path.relative_to(repo.path).as_posix()
    assert [(w.split(":")[0], int(w.split(":")[1]), int(w.split(":")[2])) for w in relaxed.stdout.splitlines()] == [
        (shown, line, column) for line, column in placeholders]
    assert all(": warning: unfilled template placeholder `{" in w for w in relaxed.stdout.splitlines())
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 1
    path.write_text(text[:body_start] + re.sub(r"\{[A-Za-z][^{}\n]*\}", "our own words", text[body_start:]),
                    encoding="utf-8")
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0


@pytest.mark.parametrize("existing, expected", [
    ((), "0001"),
    (("0001-a.md", "0002-b.md"), "0003"),
    (("0001-a.md", "0007-after-a-gap.md"), "0008"),
    (("0011-a.md", "0012-from-branch-a.md", "0012-from-branch-b.md"), "0013"),
    (("README.md", "template.md", "0003-c.md"), "0004"),
])
def test_new_decision_takes_the_next_free_number(cli, repo, existing: tuple[str, ...], expected: str) -> None:
    for name in existing:
        repo.write(f"decisions/{name}", "# Existing\n")
    result = cli("new", "decision", "Next one", "--root", repo.path)
    assert result.stdout == f"decisions/{expected}-next-one.md\n"
    assert (repo.path / f"decisions/{expected}-next-one.md").is_file()


@pytest.mark.parametrize("title, file_name", [
    ("XGBoost, depth 8 (sweep #3)", "xgboost-depth-8-sweep-3.yaml"),
    ("Über-Modell für Belege", "uber-modell-fur-belege.yaml"),
    ("  spaced   out  ", "spaced-out.yaml"),
    ("A very long title that goes on about every parameter of the run and then some more words",
     "a-very-long-title-that-goes-on-about-every-parameter-of-the.yaml"),
])
def test_new_file_name_is_a_slug_of_the_title(cli, repo, title: str, file_name: str) -> None:
    assert cli("new", "experiment", title, "--root", repo.path).stdout == f"experiments/{file_name}\n"
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0


def test_title_with_yaml_and_markdown_characters_survives(cli, repo) -> None:
    title = 'Stage 2: "distil" #3 – [draft]\nsecond line'
    cli("new", "decision", title, "--root", repo.path)
    path = repo.path / "decisions/0001-stage-2-distil-3-draft-second-line.md"
    assert front_matter(path)["title"] == 'Stage 2: "distil" #3 – [draft] second line'
    assert '\n# Stage 2: "distil" #3 – [draft] second line\n' in path.read_text(encoding="utf-8")


def test_title_without_letters_or_digits(cli, repo) -> None:
    result = cli("new", "experiment", "!!!", "--root", repo.path)
    assert result.exit_code == 2
    assert "Invalid value for TITLE: needs a letter or digit to name the file after" in result.stderr
    assert not (repo.path / "experiments").exists()


@pytest.mark.parametrize("kind, path", [("experiment", "experiments/baseline.yaml"),
                                        ("model", "models/baseline.md")])
def test_new_never_overwrites(cli, repo, kind: str, path: str) -> None:
    assert cli("new", kind, "Baseline", "--root", repo.path).exit_code == 0
    target = repo.path / path
    target.write_text("edited by hand\n", encoding="utf-8")
    result = cli("new", kind, "Baseline", "--root", repo.path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"{path}:1:1: error: file already exists; mlreport never overwrites a record "
                             "(choose another title, or edit the existing file)\n")
    assert target.read_text(encoding="utf-8") == "edited by hand\n"


def test_new_follows_configured_folders(cli, repo) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - mlreport:\n      experiments_dir: ml/runs\n")
    result = cli("new", "experiment", "Nested", "--root", repo.path)
    assert result.stdout == "ml/runs/nested.yaml\n"
    path = repo.path / "ml/runs/nested.yaml"
    relative = SCHEMA_LINE.match(path.read_text(encoding="utf-8"))["path"]
    assert relative == "../../.mlreport/schemas/experiment.json"
    assert (path.parent / relative).resolve().is_file()


def test_author_outside_git_is_the_login_name(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("USER", "ana")
    cli("new", "experiment", "No git here", "--root", tmp_path)
    assert yaml.safe_load((tmp_path / "experiments/no-git-here.yaml").read_text())["authors"] == ["ana"]


def test_init_makes_a_repo_that_validates_cleanly(cli, repo) -> None:
    result = cli("init", "--root", repo.path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "wrote mkdocs.yml",
        "wrote docs/about.md",
        "wrote experiments/baseline-model.yaml",
        "wrote decisions/0001-record-ml-decisions-in-the-repository.md",
        "wrote models/first-model.md",
        "wrote .gitignore",
        "",
        "next:",
        f"  cd {repo.path.resolve()}",
        '  mlreport new experiment "My first run"   # a record from the template, you as author',
        "  mlreport validate                        # every problem at once, at its file:line:col",
        "  mlreport serve                           # a live preview; `mlreport build` writes the site",
    ]
    config = yaml.load((repo.path / "mkdocs.yml").read_text(), Loader=yaml.SafeLoader)
    assert config["site_name"] == "repo"
    assert {"mlreport"} <= {p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]}
    validated = cli("validate", "--root", repo.path)
    assert (validated.exit_code, validated.stdout) == (0, "")
    assert validated.stderr == "1 experiment, 1 decision, 1 model card: all valid\n"
    assert cli("validate", "--strict", "--root", repo.path).exit_code == 0
    again = cli("init", "--root", repo.path)
    assert (again.exit_code, again.stdout) == (0, "nothing to do: the repository is already set up\n")


def test_init_keeps_the_built_site_and_caches_out_of_git(cli, repo, tmp_path) -> None:
    assert cli("init", "--root", repo.path).exit_code == 0
    assert (repo.path / ".gitignore").read_text(encoding="utf-8").splitlines()[-2:] == ["/site/", "/.mlreport/cache/"]
    built = cli("build", "--root", repo.path)
    assert built.exit_code == 0, built.output
    assert (repo.path / "site/index.html").is_file()
    repo.git("add", "-A")
    staged = repo.git("diff", "--cached", "--name-only").split()
    assert sorted(staged) == sorted([".gitignore", "mkdocs.yml", "docs/about.md", "experiments/baseline-model.yaml",
                                     "decisions/0001-record-ml-decisions-in-the-repository.md",
                                     "models/first-model.md", *(f".mlreport/schemas/{kind}.json"
                                                                for kind in ("decision", "experiment", "model"))])


def test_init_extends_an_existing_gitignore_and_never_rewrites_it(cli, repo) -> None:
    own = "*.pyc\n# our build output\nsite\n.venv/"  # no newline at the end
    repo.write(".gitignore", own)
    repo.write("mkdocs.yml", "site_name: Ours\nsite_dir: public\nplugins:\n  - mlreport\n")
    result = cli("init", "--root", repo.path)
    assert "added /public/, /.mlreport/cache/ to .gitignore" in result.stdout.splitlines()
    text = (repo.path / ".gitignore").read_text(encoding="utf-8")
    assert text.startswith(own + "\n")
    assert text.splitlines()[-2:] == ["/public/", "/.mlreport/cache/"]
    again = cli("init", "--root", repo.path)
    assert "gitignore" not in again.stdout
    assert (repo.path / ".gitignore").read_text(encoding="utf-8") == text


def test_init_keeps_an_existing_mkdocs_yml(cli, repo) -> None:
    own = "site_name: Our docs\nnav:\n  - Home: index.md\n"
    repo.write("mkdocs.yml", own)
    result = cli("init", "--root", repo.path)
    assert result.exit_code == 0
    assert "wrote mkdocs.yml" not in result.stdout
    assert (repo.path / "mkdocs.yml").read_text(encoding="utf-8") == own
    assert result.stderr == ("note: mkdocs.yml was kept as it is; add `- mlreport` under its `plugins:` "
                             "to publish the records\n")


def test_init_with_the_plugin_already_listed_says_nothing_about_it(cli, repo) -> None:
    repo.write("mkdocs.yml", "site_name: Ours\nplugins:\n  - search\n  - mlreport:\n      models_dir: cards\n")
    result = cli("init", "--root", repo.path)
    assert result.stderr == ""
    assert "wrote cards/first-model.md" in result.stdout.splitlines()


def test_init_leaves_folders_that_hold_records(cli, repo) -> None:
    repo.write("experiments/mine.yaml", "title: Mine\ndate: 2026-01-05\n")
    result = cli("init", "--root", repo.path)
    assert "wrote experiments/baseline-model.yaml" not in result.stdout
    assert sorted(p.name for p in (repo.path / "experiments").iterdir()) == ["mine.yaml"]


def test_init_run_from_elsewhere_says_where_to_go_first(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("init", "--root", "team/ml")
    assert result.stdout.split("next:\n")[1].splitlines()[0] == "  cd team/ml"
    # What it says works: from there, the next commands find the project.
    monkeypatch.chdir(tmp_path / "team/ml")
    assert cli("new", "experiment", "My first run").stdout == "experiments/my-first-run.yaml\n"
    assert cli("validate").exit_code == 0


def test_init_creates_the_folder(cli, tmp_path) -> None:
    result = cli("init", "--root", tmp_path / "new-team", "--name", "New team")
    assert result.exit_code == 0
    assert yaml.safe_load((tmp_path / "new-team/mkdocs.yml").read_text())["site_name"] == "New team"
