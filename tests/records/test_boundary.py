"""Nothing outside the repository is read or published: links out of it are refused, links inside it work.

Real symlinks in real git repositories, through the real CLI: `validate`, `build` (the MkDocs plugin),
`generate` and `diff`, whose report CI posts on the pull request.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from mkdocs.__main__ import cli as mkdocs_cli
from repos import GitRepo

SECRET = "CI_TOKEN=secret123"
MKDOCS = "site_name: Team\nplugins:\n  - search\n  - mlreport\n"
RUN = "title: Run {name}\ndate: 2026-01-05\ntask: digits\ndataset: mnist\nmetrics: {{accuracy: 0.9}}\n"
HINT = "keep the file in the repository (copy it in instead of linking to it), or remove the link"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository, holding what must never be published."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "env").write_text(f"{SECRET}\nHOME=/home/runner\n")
    (folder / "curves.csv").write_text("step,loss\n1,0.271828\n")
    (folder / "run.yaml").write_text(f"title: '{SECRET}'\ndate: 2026-01-05\n")
    (folder / "0009-x.md").write_text(f"---\nstatus: accepted\n---\n# {SECRET}\n\nSee {SECRET}.\n")
    (folder / "notes.md").write_text(f"Our token is {SECRET}.\n")
    return folder


@pytest.fixture
def team(repo: GitRepo) -> GitRepo:
    """A small committed project: mkdocs.yml and one good experiment."""
    repo.write("mkdocs.yml", MKDOCS)
    repo.write("experiments/good.yaml", RUN.format(name="good"))
    repo.commit("A good run")
    return repo


def link(repo: GitRepo, relative: str, target: Path | str) -> Path:
    """A symlink at `relative` in the repo pointing at `target` (absolute, or relative to the link)."""
    path = repo.path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


def refused(shown: str, target: Path | str) -> str:
    """The message for a link out of the repository."""
    return f"`{shown}` leads outside the repository, to {str(target)!r}: nothing is read from it ({HINT})"


def problem_lines(output: str) -> list[str]:
    """The `path:line:col: …` lines of a command's output."""
    return [line for line in output.splitlines() if ": error: " in line or ": warning: " in line]


def everything_under(folder: Path) -> str:
    """All text of every file under a folder ("" when it does not exist)."""
    if not folder.exists():
        return ""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.skipif(not Path("/proc/self/environ").exists() and not os.environ.get("CI"),
                    reason="needs /proc (CI runs on Linux, which has it: there the test never skips)")
def test_a_history_folder_linking_to_the_environment_is_one_error_naming_the_link(cli, team: GitRepo) -> None:
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves\n")
    team.write("experiments/a/curves/train.csv", "step,loss\n1,0.5\n2,0.4\n")
    link(team, "experiments/a/curves/env.csv", "/proc/self/environ")

    result = cli("validate", "--root", team.path)

    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        "experiments/a/experiment.yaml:6:10: error: " + refused("experiments/a/curves/env.csv", "/proc/self/environ")]
    assert os.environ.get("PATH", "/nowhere") not in result.output


@pytest.mark.parametrize("command", ["validate", "build", "generate"])
def test_a_secret_behind_a_history_link_reaches_no_output_and_no_file(cli, team: GitRepo, outside: Path,
                                                                     tmp_path: Path, command: str) -> None:
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves\n")
    team.write("experiments/a/curves/train.csv", "step,loss\n1,0.5\n")
    link(team, "experiments/a/curves/leak.csv", outside / "env")
    out = tmp_path / "published"
    args = {"validate": (), "build": ("--site-dir", out), "generate": ("--out", out)}[command]

    result = cli(command, "--root", team.path, *args)

    assert result.exit_code == 1
    # `build` shows it as MkDocs logs it (`ERROR: …`), the others as the line itself.
    assert "experiments/a/experiment.yaml:6:10: error: " + refused("experiments/a/curves/leak.csv",
                                                                   outside / "env") in result.output
    assert "secret123" not in result.output
    assert "secret123" not in everything_under(out)


def test_the_error_leads_the_pull_request_report_and_the_secret_is_not_in_it(cli, team: GitRepo,
                                                                           outside: Path) -> None:
    team.git("checkout", "-q", "-b", "feature")
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves\n")
    link(team, "experiments/a/curves/leak.csv", outside / "env")
    team.commit("Curves")

    for fmt in ("markdown", "json"):
        result = cli("diff", "main", "--root", team.path, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "experiments/a/curves/leak.csv" in result.output
        assert "secret123" not in result.output


def test_a_csv_history_linked_from_outside_is_not_published(cli, team: GitRepo, outside: Path,
                                                            tmp_path: Path) -> None:
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves.csv\n")
    link(team, "experiments/a/curves.csv", outside / "curves.csv")

    result = cli("generate", "--root", team.path, "--out", tmp_path / "generated")

    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        "experiments/a/experiment.yaml:6:10: error: " + refused("experiments/a/curves.csv", outside / "curves.csv")]
    assert "0.271828" not in everything_under(tmp_path / "generated")


def test_a_history_folder_that_is_itself_a_link_out_is_one_error(cli, team: GitRepo, outside: Path) -> None:
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves\n")
    link(team, "experiments/a/curves", outside)

    result = cli("validate", "--root", team.path)

    assert problem_lines(result.output) == [
        "experiments/a/experiment.yaml:6:10: error: " + refused("experiments/a/curves", outside)]


@pytest.mark.parametrize(("record", "target", "error"), [
    ("experiments/x.yaml", "run.yaml", "experiments/x.yaml:1:1"),
    ("decisions/0009-x.md", "0009-x.md", "decisions/0009-x.md:1:1"),
    ("models/x.md", "0009-x.md", "models/x.md:1:1"),
])
def test_a_record_file_linked_from_outside_is_refused(cli, team: GitRepo, outside: Path, tmp_path: Path,
                                                      record: str, target: str, error: str) -> None:
    link(team, record, outside / target)

    checked = cli("validate", "--root", team.path)
    built = cli("build", "--root", team.path, "--site-dir", tmp_path / "site")

    assert checked.exit_code == built.exit_code == 1
    assert problem_lines(checked.output) == [f"{error}: error: " + refused(record, outside / target)]
    for output in (checked.output, built.output, everything_under(tmp_path / "site")):
        assert "secret123" not in output


def test_a_record_folder_that_is_a_link_out_is_one_error(cli, repo: GitRepo, outside: Path) -> None:
    repo.write("mkdocs.yml", MKDOCS)
    (outside / "experiments").mkdir()
    for name in ("a", "b"):
        (outside / f"experiments/{name}.yaml").write_text(f"title: '{SECRET}'\ndate: 2026-01-05\n")
    link(repo, "experiments", outside / "experiments")

    result = cli("validate", "--root", repo.path)

    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        "experiments:1:1: error: " + refused("experiments", outside / "experiments")]
    assert "secret123" not in result.output


def test_mkdocs_build_with_the_plugin_refuses_a_link_out_too(team: GitRepo, outside: Path, tmp_path: Path) -> None:
    team.write("docs/guide.md", "# Guide\n")
    link(team, "decisions/0009-x.md", outside / "0009-x.md")

    result = CliRunner().invoke(mkdocs_cli, ["build", "-f", str(team.path / "mkdocs.yml"), "-d",
                                             str(tmp_path / "site")], catch_exceptions=False)

    assert result.exit_code == 1
    assert "decisions/0009-x.md:1:1: error: " + refused("decisions/0009-x.md", outside / "0009-x.md") in result.output
    assert "secret123" not in result.output + everything_under(tmp_path / "site")


def test_a_directory_records_notes_linked_from_outside_are_refused(cli, team: GitRepo, outside: Path,
                                                                   tmp_path: Path) -> None:
    team.write("experiments/a/experiment.yaml", RUN.format(name="a"))
    link(team, "experiments/a/notes.md", outside / "notes.md")

    checked = cli("validate", "--root", team.path)
    built = cli("build", "--root", team.path, "--site-dir", tmp_path / "site")

    assert problem_lines(checked.output) == [
        "experiments/a/experiment.yaml:1:1: error: " + refused("experiments/a/notes.md", outside / "notes.md")]
    assert built.exit_code == 1
    assert "secret123" not in built.output + everything_under(tmp_path / "site")


def test_the_record_cache_never_serves_a_file_that_became_a_link_out(cli, team: GitRepo, outside: Path,
                                                                     tmp_path: Path) -> None:
    record = team.write("experiments/x.yaml", (outside / "run.yaml").read_text())
    assert cli("build", "--root", team.path, "--site-dir", tmp_path / "site").exit_code == 0
    # Byte for byte what the cache holds, but now read through a link out of the repository.
    record.unlink()
    link(team, "experiments/x.yaml", outside / "run.yaml")

    built = cli("build", "--root", team.path, "--site-dir", tmp_path / "site")

    assert built.exit_code == 1
    assert "experiments/x.yaml:1:1: error: " + refused("experiments/x.yaml", outside / "run.yaml") in built.output


def test_links_that_stay_inside_the_repository_keep_working(cli, team: GitRepo, tmp_path: Path) -> None:
    team.write("shared/curves.csv", "step,loss\n1,0.314159\n2,0.2\n")
    team.write("shared/notes.md", "Shared notes about the wide network.\n")
    team.write("experiments/_drafts/linked.yaml", RUN.format(name="linked"))
    team.write("adr/0009-use-links.md", "---\nstatus: accepted\n---\n# Use links inside the repository\n")
    team.write("experiments/wide/experiment.yaml", RUN.format(name="wide") + "history: curves.csv\n")
    link(team, "experiments/wide/curves.csv", "../../shared/curves.csv")
    link(team, "experiments/wide/notes.md", "../../shared/notes.md")
    link(team, "experiments/linked.yaml", "_drafts/linked.yaml")
    link(team, "decisions/0009-use-links.md", team.path / "adr/0009-use-links.md")
    team.commit("Records that link inside the repository")

    checked = cli("validate", "--root", team.path)
    built = cli("build", "--root", team.path, "--site-dir", tmp_path / "site")

    assert checked.exit_code == 0, checked.output
    assert built.exit_code == 0, built.output
    site = tmp_path / "site"
    assert "0.314159" in everything_under(site / "assets")
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "Shared notes about the wide network" in index and "Use links inside the repository" in index
    assert "Run linked" in index


def test_bases_links_out_of_the_repository_are_not_followed(cli, team: GitRepo, outside: Path) -> None:
    # BASE commits the link; the branch keeps it and adds a run. Followed at BASE or in the tree, the
    # outside record's title (the secret) would show in the report.
    link(team, "experiments/leak.yaml", outside / "run.yaml")
    team.commit("A link out")
    team.git("checkout", "-q", "-b", "feature")
    team.write("experiments/new.yaml", RUN.format(name="new"))
    team.commit("A new run")

    for fmt in ("markdown", "json"):
        result = cli("diff", "main~1", "--root", team.path, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "secret123" not in result.output
    data = json.loads(result.output)
    assert [(e["id"], e["change"]) for e in data["experiments"]] == [("new", "added")]
    assert [e["path"] for e in data["errors"]] == ["experiments/leak.yaml"]


def test_bases_links_inside_the_repository_are_read(cli, team: GitRepo) -> None:
    team.write("experiments/_drafts/linked.yaml", RUN.format(name="linked"))
    link(team, "experiments/linked.yaml", "_drafts/linked.yaml")
    team.commit("A linked run")
    team.git("checkout", "-q", "-b", "feature")
    team.write("experiments/new.yaml", RUN.format(name="new"))
    team.commit("A new run")

    result = cli("diff", "main", "--root", team.path, "--format", "json")

    assert result.exit_code == 0, result.output
    # Unchanged, so not in the report: read at BASE through its link as in the work tree.
    assert [(e["id"], e["change"]) for e in json.loads(result.output)["experiments"]] == [("new", "added")]


def test_messages_quote_only_a_short_escaped_excerpt_of_a_file(cli, team: GitRepo) -> None:
    header = "epoch,\x1b[31mred\x1b[0m," + ",".join(f"column_{n}" for n in range(200))
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves.csv\n")
    team.write("experiments/a/curves.csv", header + "\n1,2\n")

    result = cli("validate", "--root", team.path)

    [line] = problem_lines(result.output)
    # 60 characters once escaped, then cut.
    assert "its columns are: 'epoch, \\x1b[31mred\\x1b[0m, column_0, column_1, column_2, col…' (" in line
    assert "\x1b" not in line and "column_199" not in line
    assert len(line) < 300


LONG = "a" * 300


@pytest.mark.parametrize(("path", "text"), [
    # A key holding a line break and what looks like another problem's line.
    ("experiments/key.yaml",
     f'title: A\ndate: 2026-01-05\n"x\\nexperiments/forged.yaml:1:1: error: forged {LONG}": 1\n'),
    # Terminal control sequences (YAML's `\\x1b`) in a reference, a tagged value, a tag, a duplicate key, a status.
    ("experiments/ref.yaml", f'title: A\ndate: 2026-01-05\nbaseline: "\\x1b[2J{LONG}"\n'),
    ("experiments/int.yaml", f'title: A\ndate: !!int "{LONG}\\x1b[2J"\n'),
    ("experiments/tag.yaml", f"title: A\ndate: !<tag:x,2000:{LONG}> v\n"),
    ("experiments/dup.yaml", f'title: A\ndate: 2026-01-05\n"\\x1b{LONG}": 1\n"\\x1b{LONG}": 2\n'),
    ("decisions/0001-status.md", f'---\nstatus: "\\x1b[2J{LONG}"\n---\n# A\n'),
])
def test_no_message_quotes_a_whole_value_or_its_control_characters(cli, team: GitRepo, path: str,
                                                                   text: str) -> None:
    team.write(path, text)

    result = cli("validate", "--root", team.path)

    lines = result.output.splitlines()
    problems = [line for line in lines if line.startswith(path)]
    # Every line but the summary is one of this file's problems: no value started a line of its own.
    assert problems and all(line.startswith(f"{path}:") for line in lines[:-1]), lines
    assert all(len(line) < 400 and "\x1b" not in line and LONG not in line for line in problems), problems


def test_bases_links_to_elsewhere_in_the_repository_are_read(cli, team: GitRepo) -> None:
    # The curves live outside every record folder; at BASE they are read through the link as in the tree.
    team.write("data/curves.csv", "step,loss\n1,0.5\n")
    team.write("experiments/a/experiment.yaml", RUN.format(name="a") + "history: curves.csv\n")
    link(team, "experiments/a/curves.csv", "../../data/curves.csv")
    team.commit("Curves kept with the data")
    team.git("checkout", "-q", "-b", "feature")
    team.write("experiments/b.yaml", RUN.format(name="b"))

    report = cli("diff", "main", "--root", team.path, "--format", "json")

    assert [(e["id"], e["change"]) for e in json.loads(report.output)["experiments"]] == [("b", "added")]


def test_a_load_s_resolver_says_what_escape_and_relative_say(repo: GitRepo, outside: Path) -> None:
    """A load resolves each folder once: through links in and out, to files and folders, and where nothing is."""
    from mlreport.problems import relative
    from mlreport.records.boundary import Resolver, escape

    repo.write("experiments/a/run.yaml", RUN.format(name="a"))
    (repo.path / "experiments" / "linked").symlink_to(repo.path / "experiments" / "a")
    (repo.path / "experiments" / "out").symlink_to(outside)
    (repo.path / "experiments" / "env.yaml").symlink_to(outside / "env")
    (repo.path / "experiments" / "inside.yaml").symlink_to(repo.path / "experiments" / "a" / "run.yaml")
    (repo.path / "experiments" / "dangling.yaml").symlink_to(repo.path / "nowhere.yaml")
    paths = [repo.path / p for p in ("experiments/a/run.yaml", "experiments/linked/run.yaml", "experiments/out/env",
                                     "experiments/out/curves.csv", "experiments/env.yaml", "experiments/inside.yaml",
                                     "experiments/dangling.yaml", "experiments/missing.yaml", "experiments/a",
                                     "experiments/a/../out/env", "experiments")]
    # The root itself, and a sibling whose name starts with the root's (outside it, though its text starts alike).
    paths += [repo.path, repo.path.parent / f"{repo.path.name}x" / "run.yaml"]
    resolver = Resolver(repo.path)
    for path in paths * 2:  # the second time from what the first resolved
        assert resolver.escape(path) == escape(path, repo.path), path
        assert resolver.relative(path) == relative(path, repo.path), path
    assert sum(resolver.escape(path) is not None for path in paths) == 5  # the sibling too
