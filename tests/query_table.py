"""The shared table of query cases (tests/fixtures/query_cases.yaml), for the Python and the browser tests."""

from __future__ import annotations

from pathlib import Path

import yaml

CASES_FILE = Path(__file__).parent / "fixtures" / "query_cases.yaml"
TABLE = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
"""`records` (experiment records) and `cases` (`q` with the `ids` it selects, or its `error`: [column, message])."""


def write_case_records(root: Path) -> None:
    """The table's records, one experiment file each, as a team would write them."""
    for record in TABLE["records"]:
        path = root / "experiments" / f"{record['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
