"""Card governance: what each status requires, placeholders counting as missing, warnings at their lines."""

from __future__ import annotations

import pytest

from mlreport.config import DEFAULT_CARD_REQUIREMENTS, CardRequirements, load_options
from mlreport.governance import checklist, sections
from mlreport.problems import RecordError
from mlreport.records.model_card import load_model_card
from mlreport.records.source import Reader

COMPLETE = """\
---
name: Fraud scorer
status: production
owners: [risk-team]
license: apache-2.0
evaluations: [{experiment: v1}]
---
# Fraud scorer

## Uses

### Direct Use

Scores card payments.

### Out-of-Scope Use

Credit decisions.

## Bias, Risks, and Limitations {#risks}

New merchants score high.

## Training Details

```text
## Evaluation
(a heading inside code is no heading)
```

## Evaluation

See the table.
"""


def card(repo, text: str):
    path = repo.write("models/card.md", text)
    loaded, problems = load_model_card(path, Reader(repo.path))
    assert loaded is not None, problems
    return loaded


def test_a_complete_production_card(repo) -> None:
    listed = checklist(card(repo, COMPLETE), DEFAULT_CARD_REQUIREMENTS)
    assert listed.missing == () and listed.done == len(listed.items) == 9


@pytest.mark.parametrize("placeholder", ["[More Information Needed]", "{option 1}",
                                         '{{ out_of_scope_use | default("[More Information Needed]", true)}}',
                                         "<!-- what it must not be used for -->", ""])
def test_placeholders_count_as_missing(repo, placeholder: str) -> None:
    text = COMPLETE.replace("Credit decisions.", placeholder)
    missing = checklist(card(repo, text), DEFAULT_CARD_REQUIREMENTS).missing
    assert [(item.name, item.line) for item in missing] == [("Out-of-Scope Use", 16)]


def test_a_section_counts_through_its_subsections(repo) -> None:
    found = sections("## Uses\n\n### Direct Use\n\nText.\n\n## Other\n")
    assert found == {"uses": (0, True), "direct use": (2, True), "other": (6, False)}


def test_missing_fields_and_sections(repo) -> None:
    text = COMPLETE.replace("license: apache-2.0\n", "license: \"{license}\"\n").replace("owners: [risk-team]\n", "")
    text = text.replace("## Training Details\n", "## Training\n")
    missing = checklist(card(repo, text), DEFAULT_CARD_REQUIREMENTS).missing
    assert [(item.kind, item.name) for item in missing] == [
        ("section", "Training Details"), ("field", "owners"), ("field", "license")]


def test_a_status_that_requires_nothing(repo) -> None:
    listed = checklist(card(repo, COMPLETE.replace("status: production", "status: development")),
                       DEFAULT_CARD_REQUIREMENTS)
    assert listed.items == ()


def test_requirements_are_configurable_per_status(repo) -> None:
    repo.write("mkdocs.yml", """\
        site_name: X
        plugins:
          - mlreport:
              card_requirements:
                candidate: {sections: [Uses], fields: [version]}
        """)
    requirements = load_options(repo.path).card_requirements
    assert requirements["candidate"] == CardRequirements(("Uses",), ("version",))
    assert requirements["production"] == DEFAULT_CARD_REQUIREMENTS["production"]


def test_bad_requirements_are_located(repo) -> None:
    repo.write("mkdocs.yml", """\
        site_name: X
        plugins:
          - mlreport:
              card_requirements:
                producton: {sections: [Uses]}
                candidate: {section: [Uses], fields: owners}
        """)
    with pytest.raises(RecordError) as caught:
        load_options(repo.path)
    assert [p.format_text() for p in caught.value.problems] == [
        "mkdocs.yml:5:9: error: option `mlreport.card_requirements.producton` is not a model card status "
        "(did you mean `production`?)",
        "mkdocs.yml:6:9: error: option `mlreport.card_requirements.candidate` must be a list of text; "
        "found string 'owners' (write a YAML list: `[\"draft-*.md\"]`)",
        "mkdocs.yml:6:21: error: option `mlreport.card_requirements.candidate.section` is not a requirement "
        "(they are: sections, fields)",
    ]


def test_validate_warns_and_strict_fails(repo, cli) -> None:
    repo.write("experiments/v1.yaml", "title: v1\ndate: 2026-01-01\n")
    repo.write("models/card.md", COMPLETE.replace("license: apache-2.0\n", "")
               .replace("## Bias, Risks, and Limitations {#risks}\n\nNew merchants score high.\n", ""))
    relaxed = cli("validate", "--root", repo.path)
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[:2] == [
        "models/card.md:3:9: warning: a production model card needs `license`; this one has none "
        "(add `license: …` to its front matter)",
        "models/card.md:3:9: warning: a production model card needs a `Bias, Risks, and Limitations` section; "
        "this one has none (add `## Bias, Risks, and Limitations` to the card, as in the Hugging Face template)",
    ]
    strict = cli("validate", "--strict", "--root", repo.path)
    assert strict.exit_code == 1 and "models/card.md:3:9: error: a production model card needs `license`" \
        in strict.stdout
