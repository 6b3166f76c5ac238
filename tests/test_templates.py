"""Page templates compiled by one build are loaded by the next from the cache folder, only for the same source and
only from a cache folder git does not track."""

from __future__ import annotations

from pathlib import Path

import jinja2

from repos import GitRepo
from mlreport.templates import CompiledTemplates


def rendered(folder: Path, templates: Path, name: str = "page.j2") -> str:
    """A template rendered by a fresh environment (as a new build makes one) keeping compiled templates in `folder`."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=CompiledTemplates(folder),
                             auto_reload=False)
    return env.get_template(name).render(name="Ana")


def plant(folder: Path, templates: Path, compiled_from: str, name: str = "page.j2") -> None:
    """Put in the cache the code of another source, stamped with the checksum of the template's source as it is now:
    a build that renders that code took the compiled template from the cache."""
    cache = CompiledTemplates(folder)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), auto_reload=False)
    source, filename, _ = env.loader.get_source(env, name)
    bucket = cache.get_bucket(env, name, filename, source)
    bucket.code = env.compile(compiled_from, name, filename)
    cache.dump_bytecode(bucket)


def test_a_template_compiled_once_is_loaded_from_the_cache_folder(repo: GitRepo) -> None:
    templates = repo.path / "templates"
    repo.write("templates/page.j2", "Hello {{ name }}")
    folder = repo.path / ".mlreport/cache/templates"

    assert rendered(folder, templates) == "Hello Ana"
    assert len(list(folder.glob("*.cache"))) == 1
    plant(folder, templates, "Compiled before, {{ name }}")

    assert rendered(folder, templates) == "Compiled before, Ana"


def test_a_changed_template_is_compiled_again(repo: GitRepo) -> None:
    templates = repo.path / "templates"
    repo.write("templates/page.j2", "Hello {{ name }}")
    folder = repo.path / ".mlreport/cache/templates"
    assert rendered(folder, templates) == "Hello Ana"

    repo.write("templates/page.j2", "Goodbye {{ name }}")

    assert rendered(folder, templates) == "Goodbye Ana"
    assert rendered(folder, templates) == "Goodbye Ana"


def test_a_damaged_compiled_template_is_compiled_again(repo: GitRepo) -> None:
    templates = repo.path / "templates"
    repo.write("templates/page.j2", "Hello {{ name }}")
    folder = repo.path / ".mlreport/cache/templates"
    rendered(folder, templates)
    for file in folder.glob("*.cache"):
        file.write_bytes(file.read_bytes()[:-7])

    assert rendered(folder, templates) == "Hello Ana"
    assert rendered(folder, templates) == "Hello Ana"


def test_compiled_templates_in_a_cache_folder_git_tracks_are_never_loaded(repo: GitRepo) -> None:
    templates = repo.path / "templates"
    repo.write("templates/page.j2", "Hello {{ name }}")
    folder = repo.path / ".mlreport/cache/templates"
    plant(folder, templates, "Planted {{ name }}")
    repo.git("add", "-f", ".mlreport")
    repo.commit("Commit the cache")

    assert rendered(folder, templates) == "Hello Ana"
