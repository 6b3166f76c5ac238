"""Decision records: ids from file names, references however written, which files are decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from mlreport.config import Options, load_options
from mlreport.records import Decision, decision_key, load_records
from mlreport.records.decision import decision_id, next_decision_number, parse_status
from mlreport.validate import read_records


def decisions_of(repo, **options) -> dict[str, Decision]:
    loaded = load_records(Options(root=repo.path, **options))
    return {d.id: d for d in loaded.decisions}


@pytest.mark.parametrize("file_name, expected", [
    ("0007-use-resnet.md", "0007"),
    ("12-short-numbers.md", "12"),
    ("0012-use-onnx-runtime.md", "0012"),
    ("20201016-use-slugs.md", "20201016-use-slugs"),  # log4brains: dated slugs, the whole stem is the id
    ("use-slugs.md", "use-slugs"),
])
def test_id_from_file_name(file_name: str, expected: str) -> None:
    assert decision_id(file_name) == expected


@pytest.mark.parametrize("reference", [7, "7", "0007", "ADR-0007", "adr 7", "0007-use-resnet.md"])
def test_references_compare_by_number(reference: object) -> None:
    assert decision_key(reference) == decision_key("0007") == "7"


def test_slug_references_stay_as_written() -> None:
    assert decision_key("20201016-use-slugs") == "20201016-use-slugs"


def test_references_written_every_way_resolve(repo, cli) -> None:
    repo.write("decisions/0007-use-resnet.md", "---\nstatus: superseded\n---\n# Use ResNet\n")
    repo.write("decisions/0012-use-onnx-runtime.md", "---\nstatus: accepted\n---\n# Use ONNX Runtime\n")
    repo.write("decisions/0013-use-vit.md", """
        ---
        status: accepted
        supersedes: [7]
        ---
        # Use ViT
        """)
    repo.write("decisions/0014-quoted.md", '---\nstatus: accepted\nsupersedes: ["0007"]\n---\n# Quoted\n')
    # Unquoted, YAML reads 0007 as the integer 7 and 0012 as octal, i.e. 10.
    repo.write("decisions/0015-unquoted.md", "---\nstatus: accepted\nsupersedes: [0007, 0012]\n---\n# Unquoted\n")
    repo.write("models/vision.md", "---\nname: Vision\ndecisions: [0012, 0007]\n---\n")
    checked = read_records(Options(root=repo.path, history=False))
    model, problems = checked.catalog, checked.problems
    assert [p.format_text() for p in problems] == [
        "decisions/0012-use-onnx-runtime.md:2:9: warning: decision is superseded by 0015 but its status still says "
        "accepted (set `status: superseded`)"]
    assert model.decisions["0015"].supersedes == ("0007", "0012")
    assert model.successors["0007"] == ("0013", "0014", "0015")
    assert model.decision(7).id == model.decision("0007").id == "0007"
    assert model.decisions_of_model["vision"] == ("0007", "0012")


@pytest.mark.parametrize("name", ["README.md", "readme.md", "index.md", "template.md", "adr-template.md",
                                  "adr-template-minimal.md", "notes.txt"])
def test_files_that_are_not_decisions(repo, name: str) -> None:
    repo.write(f"decisions/{name}", "# Not a decision\n\nJust an index.\n")
    repo.write("decisions/0001-a.md", "---\nstatus: accepted\n---\n# A\n")
    loaded = load_records(Options(root=repo.path))
    assert [d.id for d in loaded.decisions] == ["0001"]
    assert loaded.problems == []


def test_exclude_globs_from_the_options(repo) -> None:
    repo.write("mkdocs.yml", """
        site_name: Team
        plugins:
          - mlreport:
              decisions_exclude: ["draft-*.md", "_*.md"]
        """)
    repo.write("decisions/draft-use-jax.md", "# Use JAX\n")
    repo.write("decisions/0001-a.md", "---\nstatus: accepted\n---\n# A\n")
    loaded = load_records(load_options(repo.path))
    assert [d.id for d in loaded.decisions] == ["0001"]
    assert next_decision_number(repo.path / "decisions", ("draft-*.md",)) == "0002"


def test_madr4_front_matter(repo) -> None:
    repo.write("decisions/0003-use-focal-loss.md", """
        ---
        title: Use focal loss for the rare classes
        status: accepted
        date: 2026-02-10
        decision-makers: [Ana Lima, Bo Chen]
        consulted: [Clinical team]
        informed: [Support]
        evidence: [focal-loss-gamma2, ce-baseline]
        models: [triage-v2]
        tags: [loss, imbalance]
        ---

        # Focal loss

        ## Context and Problem Statement

        Rare classes are under-predicted.
        """)
    decision = decisions_of(repo)["0003"]
    assert decision.title == "Use focal loss for the rare classes"  # front matter wins over the heading
    assert (decision.status, decision.date) == ("accepted", dt.date(2026, 2, 10))
    assert decision.decision_makers == ("Ana Lima", "Bo Chen")
    assert (decision.consulted, decision.informed) == (("Clinical team",), ("Support",))
    assert decision.evidence == ("focal-loss-gamma2", "ce-baseline")
    assert decision.models == ("triage-v2",)
    assert decision.tags == ("loss", "imbalance")
    assert decision.body.startswith("\n# Focal loss\n")
    assert decision.body_line == 12


def test_deciders_is_an_alias_of_decision_makers(repo) -> None:
    repo.write("decisions/0001-a.md", "---\nstatus: accepted\ndeciders: Ana Lima, Bo Chen\n---\n# A\n")
    assert decisions_of(repo)["0001"].decision_makers == ("Ana Lima", "Bo Chen")


def test_missing_status_is_a_warning_and_reads_as_unknown(repo) -> None:
    repo.write("decisions/0001-use-wandb.md", "# Use Weights & Biases for sweeps\n\nWe log sweeps there.\n")
    loaded = load_records(Options(root=repo.path))
    assert loaded.decisions[0].status == "unknown"
    assert [p.format_text() for p in loaded.problems] == [
        "decisions/0001-use-wandb.md:1:1: warning: decision has no status; it shows as unknown "
        "(add a `Status: accepted` line below the title; one of proposed, accepted, rejected, deprecated, "
        "superseded)"]


@pytest.mark.parametrize("status, expected", [
    ("accepted", ("accepted", ())),
    ("Accepted", ("accepted", ())),
    ('"proposed"', ("proposed", ())),
    ("accepted <!-- optional -->", ("accepted", ())),
    ("superseded by ADR-0005", ("superseded", ("0005",))),
    ("superseded by [ADR-0005](0005-example.md)", ("superseded", ("0005",))),
    ("Superceded by [3. Use X](0003-use-x.md)", ("superseded", ("0003",))),
    ("superseded by [20201016-use-slugs](20201016-use-slugs.md)", ("superseded", ("20201016-use-slugs",))),
    ("Superseded by 0009, 0010", ("superseded", ("0009", "0010"))),
    ("deprecated (2024-05)", ("deprecated", ())),
    ("in review", ("unknown", ())),
    ("draft", ("proposed", ())),
    ("On hold (waiting for the pilot)", ("proposed", ())),
    ("", ("unknown", ())),
])
def test_status_line(status: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert parse_status(status) == expected


@pytest.mark.parametrize("front_matter, expected", [
    ("status: acepted", "2:9: warning: unknown decision status 'acepted'; it shows as unknown "
                        "(did you mean `accepted`?)"),
    ("status: approved", "2:9: warning: unknown decision status 'approved'; it shows as unknown "
                         "(did you mean `accepted`?)"),
    ("status: accepted\nevidence: exp-1", "3:11: error: `evidence` must be a list; found string 'exp-1'"),
    ("status: accepted\ndate: last week", "3:7: error: `date` must be a date; found string 'last week' "
                                          "(write dates as YYYY-MM-DD)"),
    ("status: accepted\ndecison-makers: [ana]", "3:1: warning: unknown key `decison-makers` "
                                                "(did you mean `decision-makers`?)"),
    ("status: accepted\nowner: ana", "3:1: warning: unknown key `owner` (mlreport does not read it; check its "
                                      "spelling)"),
])
def test_bad_front_matter(repo, front_matter: str, expected: str) -> None:
    repo.write("decisions/0001-a.md", f"---\n{front_matter}\n---\n# A\n")
    assert [p.format_text() for p in load_records(Options(root=repo.path)).problems] == [
        f"decisions/0001-a.md:{expected}"]


def test_no_title_anywhere(repo) -> None:
    repo.write("decisions/0001-a.md", "---\nstatus: accepted\n---\n\nWe chose A.\n")
    loaded = load_records(Options(root=repo.path))
    assert loaded.decisions == []
    assert [p.format_text() for p in loaded.problems] == [
        "decisions/0001-a.md:4:1: error: decision has no title "
        "(add `title:` to the front matter or a `# Title` heading)"]


FENCED_COMMENT = """Status: accepted

```properties
# Defines the file storage of the feature store
store.path=/data
```

~~~
# not a title either
~~~

    # an indented comment

# Keep features in the object store
"""


def test_titles_are_never_read_from_code(repo) -> None:
    repo.write("decisions/0001-storage.md", FENCED_COMMENT)
    assert decisions_of(repo)["0001"].title == "Keep features in the object store"


def test_a_log_with_only_code_headings_has_no_title(repo) -> None:
    repo.write("decisions/0001-storage.md", FENCED_COMMENT.rsplit("# Keep", 1)[0])
    loaded = load_records(Options(root=repo.path))
    assert [p.message for p in loaded.problems] == ["decision has no title"]


@pytest.mark.parametrize("existing, expected", [
    ((), "0001"),
    (("0001-a.md", "0002-b.md"), "0003"),
    (("0001-a.md", "0005-after-a-gap.md"), "0006"),
    (("0012-from-branch-a.md", "0012-from-branch-b.md"), "0013"),
    (("20201016-use-slugs.md", "0002-b.md", "README.md"), "0003"),
])
def test_next_decision_number(repo, existing: tuple[str, ...], expected: str) -> None:
    for name in existing:
        repo.write(f"decisions/{name}", "# A\n")
    assert next_decision_number(repo.path / "decisions") == expected


def test_decision_that_supersedes_itself(repo, cli) -> None:
    repo.write("decisions/0004-a.md", "---\nstatus: accepted\nsupersedes: [4]\n---\n# A\n")
    assert cli("validate", "--root", repo.path).stdout.splitlines() == [
        "decisions/0004-a.md:3:14: error: `supersedes` names the decision itself "
        "(name the other decision of the pair)"]


def test_status_date_and_author_from_a_table_under_the_title(repo) -> None:
    repo.write("decisions/0003-use-s3.md", """
        # Use S3 for artefacts

        | Field  | Value                  |
        | ------ | ---------------------- |
        | Status | **Accepted**           |
        | Date   | 2025-01-29             |
        | Author | Ana Lima, Bo Chen      |

        ## Context

        | Status | Not read: this table is below the first section |
        | --- | --- |
    """)
    repo.write("decisions/0004-use-gcs.md", """
        # Use GCS

        | Status | Date | Deciders |
        |---|---|---|
        | Superseded by [5. Use R2](0005-use-r2.md) | 2025-02-03 | Zoë |

        ## Context
    """)

    decisions = decisions_of(repo)
    checked = read_records(Options(root=repo.path))

    table = decisions["0003"]
    assert (table.status, table.date, table.decision_makers, table.status_line) == (
        "accepted", dt.date(2025, 1, 29), ("Ana Lima", "Bo Chen"), 5)
    header = decisions["0004"]
    assert (header.status, header.superseded_by, header.date, header.decision_makers) == (
        "superseded", ("0005",), dt.date(2025, 2, 3), ("Zoë",))
    assert not [p for p in checked.problems if p.key == "status"]


def test_index_pages_are_no_decisions_unless_included(repo, cli) -> None:
    repo.write("decisions/0001-use-kafka.md", "# Use Kafka\n\n* Status: accepted\n")
    repo.write("decisions/0002-search-index.md", "# Build a search index\n\n* Status: proposed\n")
    repo.write("decisions/summary.md", "# Decisions\n\n{{ adr_summary(adr_path='decisions') }}\n")
    repo.write("decisions/000-index.md", "# Index\n\n* Status: accepted\n")
    repo.write("decisions/decision-log.md", """
        ---
        title: All decisions
        ---
        # All decisions

        <!-- generated by adr-tools -->
        * [1. Use Kafka](0001-use-kafka.md)
        * [2. Build a search index](0002-search-index.md)

        | ADR | Status |
        | --- | --- |
        | [1](0001-use-kafka.md) | Accepted |
    """)
    repo.write("decisions/use-slugs.md", "# Use slugs\n\nSee [the docs](https://example.com) for why.\n\nStatus: accepted\n")
    repo.write("mkdocs.yml", "site_name: T\nplugins:\n  - mlreport:\n      decisions_include: ['decision-log.md']\n")

    assert sorted(decisions_of(repo)) == ["0001", "0002", "use-slugs"]
    assert sorted(decisions_of(repo, decisions_include=("decision-log.md", "000-*.md"))) == [
        "000", "0001", "0002", "decision-log", "use-slugs"]
    assert "decision-log" in {d.id for d in load_records(load_options(repo.path)).decisions}
    result = cli("validate", "--root", str(repo.path))
    assert result.exit_code == 0 and "summary.md" not in result.output


def test_other_tools_statuses_and_amendments_both_ways(repo, cli) -> None:
    repo.write("decisions/20240101-use-kafka.md", "# Use Kafka\n\n- Status: draft\n- Date: 2024-01-01\n")
    repo.write("decisions/0002-use-avro.md", "# 2. Use Avro\n\nDate: 2024-02-01\n\n## Status\n\nOn hold\n\n"
               "Amends [1. Use Kafka](20240101-use-kafka.md)\n\n## Context\n\nSchemas.\n")
    repo.write("decisions/0003-use-protobuf.md", "# 3. Use Protobuf\n\n## Status\n\nAccepted\n\n"
               "Amended by [4. Pin versions](0004-pin.md)\n")
    repo.write("decisions/0004-pin.md", "# 4. Pin versions\n\n## Status\n\nAccepted\n")

    checked = read_records(Options(root=repo.path))
    catalog = checked.catalog
    out = repo.path / "site"
    result = cli("generate", "--root", str(repo.path), "--out", str(out))

    kafka, avro = catalog.decisions["20240101-use-kafka"], catalog.decisions["0002"]
    assert (kafka.status, kafka.status_word, avro.status, avro.status_word) == ("proposed", "draft", "proposed", "on hold")
    assert not [p for p in checked.problems if p.key == "status"]
    assert catalog.amends == {"0002": ("20240101-use-kafka",), "0004": ("0003",)}
    assert catalog.amended_by == {"20240101-use-kafka": ("0002",), "0003": ("0004",)}
    assert result.exit_code == 0, result.output
    page = (out / "decisions" / "20240101-use-kafka.html").read_text(encoding="utf-8")
    assert "the record says “draft”" in page and 'Amended by <a href="../0002/">0002 — Use Avro</a>' in page
    assert "Amends" not in page
    assert 'Amends <a href="../0003/">0003 — Use Protobuf</a>' in (out / "decisions" / "0004.html").read_text(encoding="utf-8")


PLACEHOLDERS = """\
    ---
    status: proposed
    ---
    # Use focal loss

    Chosen option: "{option 1}", because {justification, citing the evidence}.
    {How and when the decision will be revisited.}
    """
NOT_PLACEHOLDERS = """\
    ---
    status: accepted
    ---
    # Use focal loss

    ## Outcome {: #outcome .wide }
    The loss is $\\frac{a b}{c}$ and \\text{two words}, the set {x} has one word, `{in a code span}`.
    {{ a template tag }} and {% a block tag %} are left as they are.

    ```python
    config = {"option 1": value}  # {not a placeholder either}
    ```
    """


def test_unfilled_template_placeholders_warn_at_their_place(repo) -> None:
    repo.write("decisions/0001-use-focal-loss.md", PLACEHOLDERS)
    repo.write("decisions/0002-use-focal-loss.md", NOT_PLACEHOLDERS)
    checked = read_records(Options(root=repo.path, history=False))
    assert [p.format_text() for p in checked.problems] == [
        "decisions/0001-use-focal-loss.md:6:17: warning: unfilled template placeholder `{option 1}` "
        "(write the record's own words in its place, or delete it)",
        "decisions/0001-use-focal-loss.md:6:38: warning: unfilled template placeholder `{justification, citing "
        "the evidence}` (write the record's own words in its place, or delete it)",
        "decisions/0001-use-focal-loss.md:7:1: warning: unfilled template placeholder `{How and when the decision "
        "will be revisited.}` (write the record's own words in its place, or delete it)",
    ]


def test_the_day_a_status_began_is_read_from_front_matter_and_from_a_field_line(repo) -> None:
    repo.write("decisions/0001-madr.md", "---\nstatus: superseded\ndate: 2026-04-28\nstatus_date: 2026-06-23\n"
                                         "superseded_by: ['0002']\n---\n# Ship v1\n")
    repo.write("decisions/0002-bullets.md", "# Ship v2\n\n* Status: deprecated\n* Date: 2026-06-12\n"
                                            "* Status date: 2026-08-18\n\n## Context and Problem Statement\n\nWhy.\n")
    repo.write("decisions/0003-bad.md", "---\nstatus: accepted\ndate: 2026-01-01\nstatus_date: soon\n---\n# Bad\n")
    loaded = load_records(Options(root=repo.path))
    dates = {d.id: (d.date, d.status_date) for d in loaded.decisions}
    assert dates == {"0001": (dt.date(2026, 4, 28), dt.date(2026, 6, 23)),
                     "0002": (dt.date(2026, 6, 12), dt.date(2026, 8, 18)), "0003": (dt.date(2026, 1, 1), None)}
    assert [p.format_text() for p in loaded.problems] == [
        "decisions/0003-bad.md:4:14: error: `status_date` must be a date; found string 'soon' (write dates as YYYY-MM-DD)"]
