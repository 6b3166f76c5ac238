"""The pipelines: this project's workflows, what `init --ci` writes, and the pre-commit hook.

Workflow files are checked by parsing them (triggers, per-job permissions, fetch depth, the
comment marker) and by running their shell steps and comment scripts here, against fixture
repos, a fake GitHub client and a fake GitLab API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from mlreport import __version__
from mlreport.ci import PIPELINES, render_pipeline
from mlreport.config import Options

PROJECT = Path(__file__).resolve().parent.parent
WORKFLOWS = PROJECT / ".github" / "workflows"
MARKER = "<!-- mlreport-report -->"
# The console scripts of the Python running the tests (`mlreport` among them).
PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
RECORD = "title: {title}\ndate: 2026-01-10\ntask: fraud\ndataset: transactions\nmetrics: {{test: {{pr_auc: {value}}}}}\n"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if kind in step]


def using(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in steps(job, "uses") if s["uses"].split("@")[0] == action]
    assert len(found) == 1, [s["uses"] for s in steps(job, "uses")]
    return found[0]


PAGES_URL = "https://team.github.io/ml-records"
"""What actions/configure-pages would report as the site's address (its `base_url`, no final slash)."""


# --- this project's own workflows -------------------------------------------------------


def test_pull_request_workflow_validates_builds_and_comments_with_least_privilege():
    workflow = load(WORKFLOWS / "pr.yml")
    assert workflow["on"] == {"pull_request": None}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"validate", "report"}
    assert jobs["validate"]["permissions"] == {"contents": "read"}
    assert jobs["report"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    for job in jobs.values():
        assert using(job, "actions/checkout")["with"]["fetch-depth"] == 0
        assert using(job, "actions/setup-python")["with"]["python-version"]
    commands = [s["run"] for s in steps(jobs["validate"], "run")]
    assert "mlreport validate --format github" in commands
    assert "mlreport build --strict --site-dir site" in commands
    report = "\n".join(s["run"] for s in steps(jobs["report"], "run"))
    assert 'mlreport diff --format markdown "origin/$GITHUB_BASE_REF"' in report
    comment = using(jobs["report"], "actions/github-script")
    assert MARKER in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"] and "createComment" in comment["with"]["script"]
    # Forks get a read-only token; the comment step must not fail their runs.
    assert comment["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_pages_workflow_builds_on_main_and_deploys_with_the_official_actions():
    workflow = load(WORKFLOWS / "pages.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert using(build, "actions/checkout")["with"]["fetch-depth"] == 0
    # Built for the address GitHub Pages publishes it at: instant navigation and feed links need it.
    assert using(build, "actions/configure-pages")["id"] == "pages"
    [site] = [s for s in steps(build, "run") if s["run"].startswith("mlreport build")]
    assert site["run"] == 'mlreport build --strict --site-dir site --site-url "$SITE_URL"'
    assert site["env"] == {"SITE_URL": "${{ steps.pages.outputs.base_url }}/"}
    assert using(build, "actions/upload-pages-artifact")["with"]["path"] == "./site"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert using(deploy, "actions/deploy-pages")["id"] == "deployment"


def test_every_action_is_an_official_one_pinned_to_a_major_version():
    for path in WORKFLOWS.glob("*.yml"):
        for job in load(path)["jobs"].values():
            for step in steps(job, "uses"):
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), (path.name, step["uses"])


def test_project_workflows_are_the_ones_init_writes(tmp_path):
    """The project runs exactly what users get, installing itself instead of the released package."""
    options = Options(root=tmp_path)
    for template, target in PIPELINES["github"].items():
        name = Path(template).name
        rendered = render_pipeline(options, template, install=".", branch="main", root=".")
        assert (WORKFLOWS / name).read_text(encoding="utf-8") == rendered, name
        assert target.endswith(f"mlreport-{name}")


def test_pre_commit_hook_runs_validate_on_record_changes(tmp_path):
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["mlreport-validate"]
    hook = hooks[0]
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("mlreport validate", "python", False)
    files = re.compile(hook["files"])
    for path in ("experiments/a.yaml", "experiments/2026/q4/b/experiment.yaml", "decisions/0001-x.md",
                 "models/scorer/README.md", "mkdocs.yml"):
        assert files.search(path), path
    for path in ("src/train.py", "docs/experiments/a.md", "README.md"):
        assert not files.search(path), path
    # The entry, as pre-commit runs it: from the repository's top folder, without file names.
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "ok.yaml").write_text(RECORD.format(title="Fine", value=0.8), encoding="utf-8")
    assert _run(hook["entry"].split(), tmp_path).returncode == 0
    (tmp_path / "experiments" / "bad.yaml").write_text("title: No date\n", encoding="utf-8")
    failed = _run(hook["entry"].split(), tmp_path)
    assert failed.returncode == 1 and "experiments/bad.yaml:1:1: error" in failed.stdout


# --- running the workflow steps ---------------------------------------------------------


@pytest.fixture
def pull_request(repo, tmp_path):
    """A repo with records on main, pushed to an `origin`, and a pull-request branch checked out."""
    repo.write("mkdocs.yml", "site_name: Team\nplugins:\n  - mlreport\n")
    repo.write("experiments/fraud-xgb.yaml", RECORD.format(title="XGBoost", value=0.8))
    repo.commit("Records")
    origin = tmp_path / "origin.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(origin))
    repo.git("remote", "add", "origin", str(origin))
    repo.git("fetch", "-q", "origin")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("experiments/fraud-gru.yaml", RECORD.format(title="GRU", value=0.9))
    repo.commit("A GRU")
    return repo


def test_report_job_steps_run_as_written(pull_request, tmp_path):
    job = load(WORKFLOWS / "pr.yml")["jobs"]["report"]
    env = {"GITHUB_BASE_REF": "main", "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
    for step in _project_steps(job):
        result = _bash(step["run"], pull_request.path, env)
        assert result.returncode == 0, result.stderr
    report = (tmp_path / "mlreport-report.md").read_text(encoding="utf-8")
    assert "| `fraud-gru` GRU | new |" in report and "**#1 of 2** 🏆 new best" in report
    assert (tmp_path / "summary").read_text(encoding="utf-8") == report


@pytest.mark.parametrize("workflow, name", [("pr.yml", "validate"), ("pages.yml", "build")])
def test_the_projects_own_records_pass_its_own_workflows(repo, workflow, name):
    """The demo team's records, as committed here, pass the strict checks of the workflows committed beside them: a
    warning left in a record (a card section still holding its template's placeholder) fails `build --strict`."""
    for folder in ("experiments", "decisions", "models", "docs"):
        shutil.copytree(PROJECT / folder, repo.path / folder)
    shutil.copy(PROJECT / "mkdocs.yml", repo.path / "mkdocs.yml")
    repo.commit("The demo team's records")
    for result in _run_steps(load(WORKFLOWS / workflow)["jobs"][name], repo.path):
        assert "warning" not in result.stdout + result.stderr, (result.stdout, result.stderr)


@pytest.mark.parametrize("workflow, name", [("pr.yml", "validate"), ("pages.yml", "build")])
def test_build_job_steps_run_as_written(pull_request, workflow, name):
    job = load(WORKFLOWS / workflow)["jobs"][name]
    _run_steps(job, pull_request.path)
    uploaded = using(job, "actions/upload-pages-artifact")["with"]["path"] if workflow == "pages.yml" else "site"
    assert (pull_request.path / uploaded / "index.html").is_file()
    if workflow == "pages.yml":
        assert f"<loc>{PAGES_URL}/experiments/" in (pull_request.path / uploaded / "sitemap.xml").read_text()


def test_validation_problems_become_annotations(pull_request):
    pull_request.write("experiments/broken.yaml", "title: No date\n")
    annotations = _bash("mlreport validate --format github", pull_request.path, {})
    assert annotations.returncode == 1
    assert annotations.stdout.startswith("::error file=experiments/broken.yaml,line=1,col=1,")


def test_install_step_installs_the_project_itself():
    for name in ("pr.yml", "pages.yml"):
        for job in load(WORKFLOWS / name)["jobs"].values():
            installs = [s["run"] for s in steps(job, "run") if "pip install" in s["run"]]
            assert installs in ([], ["python -m pip install ."]), (name, installs)


# --- the comment script, against a fake GitHub client -------------------------------------

_GITHUB_SCRIPT_HARNESS = """
const fs = require('fs');
const [scriptPath, commentsPath] = process.argv.slice(2);
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const calls = [];
const github = {
  paginate: async (method, params) => { calls.push(['list', params]); return JSON.parse(fs.readFileSync(commentsPath)); },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (params) => { calls.push(['update', params]); return { data: {} }; },
    createComment: async (params) => { calls.push(['create', params]); return { data: { html_url: 'u' } }; },
  } },
};
const context = { repo: { owner: 'team', repo: 'records' }, issue: { number: 7 } };
const core = { info: () => {} };
new AsyncFunction('require', 'github', 'context', 'core', fs.readFileSync(scriptPath, 'utf8'))(
  require, github, context, core).then(() => console.log(JSON.stringify(calls)));
"""


def run_comment_script(tmp_path: Path, comments: list[dict[str, Any]], report: str) -> list[list[Any]]:
    script = using(load(WORKFLOWS / "pr.yml")["jobs"]["report"], "actions/github-script")["with"]["script"]
    (tmp_path / "script.js").write_text(script, encoding="utf-8")
    (tmp_path / "harness.js").write_text(_GITHUB_SCRIPT_HARNESS, encoding="utf-8")
    (tmp_path / "comments.json").write_text(json.dumps(comments), encoding="utf-8")
    (tmp_path / "mlreport-report.md").write_text(report, encoding="utf-8")
    node = shutil.which("node")
    assert node, "the comment script is JavaScript: Node.js runs it here as github-script does in CI"
    result = subprocess.run([node, "harness.js", "script.js", "comments.json"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "RUNNER_TEMP": str(tmp_path)}, check=True)
    return json.loads(result.stdout)


def test_comment_is_created_once_then_updated_in_place(tmp_path):
    calls = run_comment_script(tmp_path, [], "first report\n")
    assert calls[-1] == ["create", {"owner": "team", "repo": "records", "issue_number": 7,
                                    "body": f"{MARKER}\nfirst report\n"}]
    ours = {"id": 41, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nfirst report\n"}
    calls = run_comment_script(tmp_path, [ours], "second report\n")
    assert [c[0] for c in calls] == ["list", "update"]
    assert calls[-1][1] == {"owner": "team", "repo": "records", "comment_id": 41, "body": f"{MARKER}\nsecond report\n"}


def test_a_person_quoting_the_marker_is_not_taken_for_the_report(tmp_path):
    quoted = {"id": 5, "user": {"login": "ana"}, "body": f"look at this {MARKER}"}
    calls = run_comment_script(tmp_path, [quoted], "report\n")
    assert [c[0] for c in calls] == ["list", "create"]


def test_an_oversized_report_is_cut_to_what_github_accepts(tmp_path):
    calls = run_comment_script(tmp_path, [], "x" * 70000)
    body = calls[-1][1]["body"]
    assert len(body) < 65536 and body.endswith("the full report is in the job summary.\n")


# --- init --ci ----------------------------------------------------------------------------


def test_init_ci_github_writes_both_workflows_pinned_to_this_version(cli, repo):
    result = cli("init", "--root", repo.path, "--ci", "github")
    assert result.exit_code == 0, result.output
    assert "wrote .github/workflows/mlreport-pr.yml" in result.output
    assert "wrote .github/workflows/mlreport-pages.yml" in result.output
    for name in ("pr", "pages"):
        written = (repo.path / f".github/workflows/mlreport-{name}.yml").read_text(encoding="utf-8")
        project = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
        assert written == project.replace("pip install .", f'pip install "mlreport=={__version__}"')


def test_init_ci_never_overwrites_and_says_what_it_skipped(cli, repo):
    mine = repo.write(".github/workflows/mlreport-pr.yml", "name: my own\n")
    result = cli("init", "--root", repo.path, "--ci", "github")
    assert "skipped .github/workflows/mlreport-pr.yml: it exists" in result.output
    assert "wrote .github/workflows/mlreport-pages.yml" in result.output
    assert mine.read_text(encoding="utf-8") == "name: my own\n"
    again = cli("init", "--root", repo.path, "--ci", "github")
    assert again.exit_code == 0
    assert "wrote" not in again.output and again.output.count("skipped") == 2


def test_init_ci_in_a_subfolder_puts_pipelines_at_the_top_and_works_there(cli, repo):
    repo.git("checkout", "-q", "-b", "trunk")
    result = cli("init", "--root", repo.path / "reports", "--ci", "github")
    assert result.exit_code == 0, result.output
    assert "wrote ../.github/workflows/mlreport-pages.yml" in result.output
    pages = load(repo.path / ".github/workflows/mlreport-pages.yml")
    assert pages["defaults"] == {"run": {"working-directory": "reports"}}
    assert pages["on"]["push"] == {"branches": ["trunk"]}  # the repository's own default branch
    assert using(pages["jobs"]["build"], "actions/upload-pages-artifact")["with"]["path"] == "reports/site"


def test_init_ci_gitlab_writes_one_pipeline_with_validate_report_and_pages(cli, repo):
    result = cli("init", "--root", repo.path, "--ci", "gitlab")
    assert result.exit_code == 0 and "wrote .gitlab-ci.yml" in result.output
    pipeline = yaml.safe_load((repo.path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["variables"]["GIT_DEPTH"] == "0"
    assert pipeline["variables"]["MLREPORT_MARKER"] == MARKER
    assert f'pip install --quiet "mlreport=={__version__}"' in " ".join(pipeline["default"]["before_script"])
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    assert set(jobs) == {"validate", "mr-report", "pages"}
    merge_requests = [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert jobs["validate"]["rules"] == jobs["mr-report"]["rules"] == merge_requests
    assert jobs["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert jobs["pages"]["artifacts"]["paths"] == ["public"]
    assert 'mlreport build --strict --site-dir "$CI_PROJECT_DIR/public" --site-url "$CI_PAGES_URL/"' in jobs[
        "pages"]["script"]
    assert "mlreport validate" in jobs["validate"]["script"]
    assert any("MLREPORT_GITLAB_TOKEN" in line for line in jobs["mr-report"]["script"])


# --- the GitLab merge-request job, against a fake GitLab API -------------------------------


class FakeGitLab:
    """Just enough of GitLab's REST API for the note script: the user, and one MR's notes."""

    def __init__(self, notes: list[dict[str, Any]], page_size: int = 100):
        self.notes = notes
        self.page_size = page_size
        self.requests: list[tuple[str, str, Any]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake.requests.append(("GET", self.path, None))
                assert self.headers["PRIVATE-TOKEN"] == "secret"
                if self.path == "/api/v4/user":
                    return self._reply({"id": 99, "username": "mlreport-bot"})
                page = int(parse_qs(urlsplit(self.path).query)["page"][0])
                start = (page - 1) * fake.page_size
                more = start + fake.page_size < len(fake.notes)
                self._reply(fake.notes[start:start + fake.page_size], {"X-Next-Page": str(page + 1) if more else ""})

            def do_PUT(self) -> None:  # noqa: N802
                fake.requests.append(("PUT", self.path, self._body()))
                self._reply({"id": int(self.path.rsplit("/", 1)[1])})

            def do_POST(self) -> None:  # noqa: N802
                fake.requests.append(("POST", self.path, self._body()))
                self._reply({"id": 1000})

            def _body(self) -> Any:
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def _reply(self, data: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(data).encode()
                self.send_response(200)
                for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab([])
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    server.shutdown()
    server.server_close()


def run_merge_request_job(repo, tmp_path: Path, api: str, token: str = "secret") -> subprocess.CompletedProcess:
    """The mr-report job's script, after the default before_script, as the runner runs them."""
    text = render_pipeline(Options(root=repo.path), "gitlab/gitlab-ci.yml", install="", branch="main", root=".")
    pipeline = yaml.safe_load(text)
    before = [line for line in pipeline["default"]["before_script"] if "pip install" not in line]
    script = "\n".join([*before, *pipeline["mr-report"]["script"]])
    env = {**pipeline["variables"], "CI_PROJECT_DIR": str(repo.path), "CI_API_V4_URL": api, "CI_PROJECT_ID": "12",
           "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.git("merge-base", "HEAD", "main").strip(),
           "MLREPORT_GITLAB_TOKEN": token}
    return _bash(script, repo.path, env)


def test_merge_request_note_is_created_then_updated(pull_request, tmp_path, gitlab):
    fake, api = gitlab
    first = run_merge_request_job(pull_request, tmp_path, api)
    assert first.returncode == 0, first.stderr
    method, path, body = fake.requests[-1]
    assert (method, path) == ("POST", "/api/v4/projects/12/merge_requests/3/notes")
    assert body["body"].startswith(f"{MARKER}\n### Records report")
    assert "`fraud-gru` GRU" in body["body"]
    assert (pull_request.path / "mlreport-report.md").read_text(encoding="utf-8") in body["body"]

    # Page two holds the job's earlier note, beside a person's note quoting the marker.
    fake.page_size = 2
    fake.notes = [{"id": 1, "author": {"id": 5}, "body": "LGTM"}, {"id": 2, "author": {"id": 5}, "body": MARKER},
                  {"id": 3, "author": {"id": 99}, "body": f"{MARKER}\nold report"}]
    fake.requests.clear()
    second = run_merge_request_job(pull_request, tmp_path, api)
    assert second.returncode == 0, second.stderr
    assert [(m, p) for m, p, _ in fake.requests] == [
        ("GET", "/api/v4/user"),
        ("GET", "/api/v4/projects/12/merge_requests/3/notes?per_page=100&page=1"),
        ("GET", "/api/v4/projects/12/merge_requests/3/notes?per_page=100&page=2"),
        ("PUT", "/api/v4/projects/12/merge_requests/3/notes/3")]


def test_merge_request_job_without_a_token_keeps_the_report_as_an_artifact(pull_request, tmp_path, gitlab):
    fake, api = gitlab
    result = run_merge_request_job(pull_request, tmp_path, api, token="")
    assert result.returncode == 0, result.stderr
    assert "MLREPORT_GITLAB_TOKEN is not set" in result.stdout
    assert fake.requests == []
    assert "`fraud-gru` GRU" in (pull_request.path / "mlreport-report.md").read_text(encoding="utf-8")


# --- helpers ------------------------------------------------------------------------------


def _project_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    """A job's shell steps, but installing: the package under test is installed already."""
    return [s for s in steps(job, "run") if "pip install" not in s["run"]]


def _run_steps(job: dict[str, Any], cwd: Path) -> list[subprocess.CompletedProcess]:
    """Run a job's shell steps in `cwd` as the workflow would (the Pages URL its step outputs), each succeeding."""
    results = []
    for step in _project_steps(job):
        env = {key: value.replace("${{ steps.pages.outputs.base_url }}", PAGES_URL)
               for key, value in step.get("env", {}).items()}
        results.append(_bash(step["run"], cwd, env))
        assert results[-1].returncode == 0, (step["run"], results[-1].stdout, results[-1].stderr)
    return results


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": PATH, **env})


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**os.environ, "PATH": PATH})
