"""Card governance: what a model card must say before it may hold a status, and what it still lacks.

The requirements come from `Options.card_requirements` (defaults after the Hugging Face model
card template). A section counts when the card has a heading of that name, at any level, with
something under it besides the template's placeholders (`[More Information Needed]`, `{option 1}`,
`{{ jinja }}`, HTML comments); a field counts when its front-matter value is set and no placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from mlreport.config import CardRequirements
from mlreport.problems import Problem
from mlreport.records import ModelCard

_PLACEHOLDER = re.compile(r"\[More Information Needed\]|\{\{.*?\}\}|\{[^{}\n]*\}|<!--.*?-->", re.S | re.I)
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Fields mlreport reads into the card itself; any other name is a Hugging Face metadata key.
_CARD_FIELDS = ("owners", "evaluations", "version", "decisions", "date", "kpis")


@dataclass(frozen=True)
class Item:
    """One requirement of a card's status, and whether the card meets it."""

    kind: str
    """`section` or `field`."""
    name: str
    present: bool
    line: int = 0
    """The line of the section's heading in the card, when it has one (empty but for placeholders)."""


@dataclass(frozen=True)
class Checklist:
    """What a card's status requires, item by item."""

    status: str
    items: tuple[Item, ...]

    @property
    def missing(self) -> tuple[Item, ...]:
        """The items the card lacks."""
        return tuple(item for item in self.items if not item.present)

    @property
    def done(self) -> int:
        """How many items the card has."""
        return len(self.items) - len(self.missing)


def checklist(card: ModelCard, requirements: dict[str, CardRequirements]) -> Checklist:
    """The card against its status's requirements (none for a status that requires nothing)."""
    required = requirements.get(card.status, CardRequirements())
    found = sections(card.body)
    items = []
    for name in required.sections:
        section = found.get(_normal(name))
        items.append(Item("section", name, bool(section and section[1]),
                          card.body_line + section[0] if section else 0))
    items += [Item("field", name, _is_set(field_value(card, name))) for name in required.fields]
    return Checklist(card.status, tuple(items))


def sections(body: str) -> dict[str, tuple[int, bool]]:
    """Each heading of a Markdown body (normalised): its line within the body, and whether it says anything.

    A section runs to the next heading of its level or above, its subsections included.
    """
    headings: list[tuple[int, int, str]] = []  # (line, level, name)
    lines = body.splitlines()
    fence = ""
    for number, line in enumerate(lines):
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
        elif not fence and (heading := _HEADING.match(line)):
            headings.append((number, len(heading.group(1)), _normal(heading.group(2))))
    found: dict[str, tuple[int, bool]] = {}
    for index, (number, level, name) in enumerate(headings):
        end = next((other for other, other_level, _ in headings[index + 1:] if other_level <= level), len(lines))
        content = "\n".join(line for line in lines[number + 1:end] if not _HEADING.match(line))
        found.setdefault(name, (number, bool(_PLACEHOLDER.sub("", content).strip())))
    return found


def field_value(card: ModelCard, name: str) -> Any:
    """A front-matter field of a card by its key: mlreport's own, else Hugging Face metadata."""
    return getattr(card, name) if name in _CARD_FIELDS else card.metadata.get(name)


def governance_problems(cards: Iterable[ModelCard], requirements: dict[str, CardRequirements]) -> Iterator[Problem]:
    """A warning for each thing a card lacks that its status requires, at the heading or the `status` line."""
    for card in cards:
        listed = checklist(card, requirements)
        status_at = card.mark("status")
        for item in listed.missing:
            if item.kind == "field":
                yield Problem(card.path, *status_at, "warning",
                              f"a {card.status} model card needs `{item.name}`; this one has none",
                              f"add `{item.name}: …` to its front matter", "status")
            elif item.line:
                yield Problem(card.path, item.line, 1, "warning",
                              f"section `{item.name}` of a {card.status} model card holds only template "
                              "placeholders", "write what the section asks for; the template's placeholders do not count",
                              "status")
            else:
                yield Problem(card.path, *status_at, "warning",
                              f"a {card.status} model card needs a `{item.name}` section; this one has none",
                              f"add `## {item.name}` to the card, as in the Hugging Face template", "status")


def _is_set(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_PLACEHOLDER.sub("", value).strip())
    return value not in (None, (), [], {})


def _normal(heading: str) -> str:
    """A heading as requirements match it: `Bias, Risks, and Limitations {#bias}` → `bias risks and limitations`."""
    without_attributes = re.sub(r"\{[^{}]*\}\s*$", "", heading)
    return " ".join(re.findall(r"[a-z0-9]+", without_attributes.lower()))
