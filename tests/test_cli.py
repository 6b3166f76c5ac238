"""The `validate` and `schema` commands through the real CLI: every output format and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import jsonschema
import pytest

from mlreport.records.kinds import NAMES as KINDS


@pytest.fixture
def warned_and_broken(repo):
    """A repo with one error and one warning, in a file whose name needs escaping in annotations."""
    repo.write("experiments/q1,2026/run.yaml", "title: Run\ndate: 2026-01-05\nstatus: Done\naccuracy%: 0.9\n")
    return repo


def test_validate_text(cli, warned_and_broken) -> None:
    result = cli("validate", "--root", warned_and_broken.path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "experiments/q1,2026/run.yaml:3:9: error: `status` must be one of planned, running, completed, failed, "
        "abandoned; found string 'Done' (did you mean `completed`?)",
        "experiments/q1,2026/run.yaml:4:1: warning: unknown key `accuracy%` "
        "(team-specific fields belong under `extra:`)",
    ]
    assert result.stderr == "1 experiment, 0 decisions, 0 model cards: 1 error, 1 warning\n"


def test_validate_github_annotations(cli, warned_and_broken) -> None:
    result = cli("validate", "--format", "github", "--root", warned_and_broken.path)
    assert result.exit_code == 1
    # Workflow commands escape `,` and `:` in properties and `%` in the message.
    assert result.stdout.splitlines() == [
        "::error file=experiments/q1%2C2026/run.yaml,line=3,col=9,title=mlreport::`status` must be one of planned, "
        "running, completed, failed, abandoned; found string 'Done' (did you mean `completed`?)",
        "::warning file=experiments/q1%2C2026/run.yaml,line=4,col=1,title=mlreport::unknown key `accuracy%25` "
        "(team-specific fields belong under `extra:`)",
    ]
    assert result.stderr == ""


def test_validate_json(cli, warned_and_broken) -> None:
    result = cli("validate", "--format", "json", "--root", warned_and_broken.path)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"path": "experiments/q1,2026/run.yaml", "line": 3, "column": 9, "severity": "error",
         "message": "`status` must be one of planned, running, completed, failed, abandoned; found string 'Done'",
         "hint": "did you mean `completed`?", "key": "status"},
        {"path": "experiments/q1,2026/run.yaml", "line": 4, "column": 1, "severity": "warning",
         "message": "unknown key `accuracy%`", "hint": "team-specific fields belong under `extra:`",
         "key": "accuracy%"},
    ]


@pytest.mark.parametrize("fmt, expected", [("text", ""), ("github", ""), ("json", "[]\n")])
def test_validate_clean_repo(cli, repo, fmt: str, expected: str) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\n")
    result = cli("validate", "--format", fmt, "--root", repo.path)
    assert (result.exit_code, result.stdout) == (0, expected)
    assert result.stderr == ("1 experiment, 0 decisions, 0 model cards: all valid\n" if fmt == "text" else "")


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_strict_makes_warnings_fail(cli, repo, fmt: str) -> None:
    repo.write("experiments/a.yaml", "title: A\ndate: 2026-01-05\ntask_name: receipts\n")
    relaxed = cli("validate", "--format", fmt, "--root", repo.path)
    strict = cli("validate", "--strict", "--format", fmt, "--root", repo.path)
    assert (relaxed.exit_code, strict.exit_code) == (0, 1)
    assert "warning" in relaxed.stdout and "warning" not in strict.stdout
    assert strict.stdout == relaxed.stdout.replace("warning", "error")


@pytest.mark.parametrize("fmt, expected", [
    ("text", "mkdocs.yml:4:7: error: option `mlreport.leaderboards` must be a list of leaderboards; "
             "found a mapping (write one `- {title: …, metric: …}` line per leaderboard)"),
    ("github", "::error file=mkdocs.yml,line=4,col=7,title=mlreport::option `mlreport.leaderboards` must be a "
               "list of leaderboards; found a mapping (write one `- {title: …, metric: …}` line per leaderboard)"),
])
def test_validate_reports_bad_options_in_the_chosen_format(cli, repo, fmt: str, expected: str) -> None:
    repo.write("mkdocs.yml", "site_name: X\nplugins:\n  - mlreport:\n      leaderboards: {metric: auc}\n")
    result = cli("validate", "--format", fmt, "--root", repo.path)
    assert result.exit_code == 1
    assert (result.stderr if fmt == "text" else result.stdout) == expected + "\n"


def test_validate_from_the_current_folder(cli, repo, monkeypatch) -> None:
    repo.write("experiments/a.yaml", "title: A\n")
    monkeypatch.chdir(repo.path)
    result = cli("validate")
    assert result.exit_code == 1
    assert result.stdout.startswith("experiments/a.yaml:1:1: error: missing required key `date`")


def test_validate_a_folder_that_does_not_exist(cli, tmp_path) -> None:
    result = cli("validate", "--root", tmp_path / "typo")
    assert result.exit_code == 2
    assert f"Invalid value for '--root': no such folder: {tmp_path / 'typo'}" in result.stderr


GOOD = {
    "experiment": {"title": "ResNet-50", "date": "2026-01-05", "status": "completed", "tags": ["vision"],
                   "dataset": {"name": "receipts", "version": 3}, "params": {"optimizer": {"lr": 0.1}},
                   "metrics": {"test": {"accuracy": 0.91}}, "history": {"loss": [[1, 0.5], [2, 0.4]]}},
    "decision": {"status": "superseded by ADR-0005", "date": "2026-01-05", "deciders": "Ana, Bo",
                 "supersedes": ["0003", 2], "evidence": ["resnet-50"], "parent": "Decisions", "nav_order": 3},
    "model": {"name": "Receipt classifier", "version": 2.1, "status": "production", "license": "mit",
              "decisions": ["0012", 7], "evaluations": [{"experiment": "resnet-50", "metrics": ["test.accuracy"]}]},
}
BAD = {
    "experiment": [{"date": "2026-01-05"}, {"title": "A", "date": "2026-13-01"}, {"title": "A", "date": "2026-01-05",
                                                                                 "metrics": {"acc": "high"}}],
    "decision": [{"evidence": "resnet-50"}, {"date": "yesterday"}, {"supersedes": {"id": 3}}],
    "model": [{"status": "prod"}, {"evaluations": [{"metrics": ["a"]}]}, {"decisions": 12}],
}


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_json_schema_that_judges_records(cli, kind: str) -> None:
    result = cli("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft202012Validator
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    assert list(validator.iter_errors(GOOD[kind])) == []
    for record in BAD[kind]:
        assert not validator.is_valid(record), record


def test_schema_of_every_kind(cli) -> None:
    everything = json.loads(cli("schema").stdout)
    assert sorted(everything) == sorted(KINDS)
    for kind in KINDS:
        assert everything[kind] == json.loads(cli("schema", kind).stdout)


def test_schema_of_an_unknown_kind(cli) -> None:
    result = cli("schema", "experiments")  # the plural is a common slip
    assert result.exit_code == 2
    assert "'experiments' is not one of 'experiment', 'decision', 'model'" in result.stderr


def test_version_names_the_docs(cli) -> None:
    first, docs = cli("--version").stdout.splitlines()
    assert first == f"mlreport {version('mlreport')}"
    assert docs.startswith("Docs: ") and docs.endswith(" (the README); each command's own: mlreport COMMAND --help.")
    guide = Path(docs.removeprefix("Docs: ").split(" (the README)")[0])
    assert guide.read_text(encoding="utf-8").startswith("# mlreport\n")


@pytest.mark.parametrize("args", [(), ("--help",)])
def test_help_names_the_docs(cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == (2 if not args else 0)  # bare `mlreport` is a usage error, help and all
    assert "Docs: " in result.output and "README.md (the README)" in " ".join(result.output.split())


def test_help_lists_the_record_commands(cli) -> None:
    help_text = cli("--help").stdout
    for command in ("validate", "schema", "new", "init"):
        assert f"  {command} " in help_text


def _program(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The `mlreport` program as a shell runs it: its own process, output through pipes."""
    return subprocess.run([sys.executable, "-m", "mlreport", *map(str, args)], capture_output=True, text=True,
                          check=False)


def test_the_program_exits_with_every_line_written_and_the_command_s_code(cli, repo) -> None:
    """The program leaves without freeing its heap (`cli.run`): what it wrote still arrives whole, past the pipe's
    and the stream's buffers, and its exit code is the command's."""
    for number in range(400):
        repo.write(f"experiments/run-{number:03}.yaml", "title: Run\ndate: 2026-01-05\nstatus: Done\n")
    program, in_process = _program("validate", "--format", "json", "--root", repo.path), \
        cli("validate", "--format", "json", "--root", repo.path)
    assert len(program.stdout) > 100_000  # more than a pipe and a stream buffer hold
    assert (program.returncode, program.stdout) == (1, in_process.stdout)
    assert len(json.loads(program.stdout)) == 400

    for path in (repo.path / "experiments").iterdir():
        path.unlink()
    done = _program("validate", "--root", repo.path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "0 experiments, 0 decisions, 0 model cards: all valid\n")
    usage = _program("validate", "--no-such-option")
    assert usage.returncode == 2 and "No such option '--no-such-option'" in usage.stderr
    assert _program("--version").stdout.startswith(f"mlreport {version('mlreport')}\n")


def test_the_program_with_a_thread_still_running_waits_for_it(tmp_path: Path) -> None:
    """A command that leaves a thread running (the live preview's server) ends the ordinary way: the thread finishes
    its work instead of being cut off by the quick exit."""
    marker = tmp_path / "finished"
    script = f"""
import sys, threading, time
from pathlib import Path
from mlreport import cli
returned = threading.Event()
def late():
    returned.wait()
    time.sleep(0.3)  # still running when the program looks for other threads
    Path({str(marker)!r}).write_text("finished", encoding="utf-8")
threading.Thread(target=late).start()
command = cli.main
def main():
    try:
        command()
    finally:
        returned.set()
cli.main = main
sys.argv = ["mlreport", "--version"]
cli.run()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"mlreport {version('mlreport')}\n")
    assert marker.read_text(encoding="utf-8") == "finished"


def test_the_installed_command_is_the_program() -> None:
    """`mlreport` on the PATH runs the same entry as `python -m mlreport`."""
    assert [entry.value for entry in entry_points(group="console_scripts", name="mlreport")] == ["mlreport.cli:run"]
