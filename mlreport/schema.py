"""JSON Schemas for the three record kinds.

The same schemas validate records here and are published (`mlreport schema`) for editors,
so what an editor flags as you type is exactly what `mlreport validate` reports.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIR = ".mlreport/schemas"
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"

EXPERIMENT_STATUSES = ("planned", "running", "completed", "failed", "abandoned")
DECISION_STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
MODEL_STATUSES = ("development", "candidate", "production", "deprecated")
EXPLANATION_METHODS = ("shap", "gain", "split", "permutation", "lime", "integrated-gradients", "coefficients")
"""How feature importances were measured."""

_STRINGS = {"type": "array", "items": {"type": "string"}}
_DATE = {"type": "string", "format": "date", "description": "ISO date, YYYY-MM-DD"}
_REF = {"type": ["string", "integer"]}
_REFS = {"type": "array", "items": _REF}
_NUMBER_TREE = {
    "type": "object",
    "additionalProperties": {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/metrics"}]},
}
_POINTS = {
    "type": "array",
    "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}],
              "minItems": 2, "maxItems": 2},
}

EXPERIMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:mlreport:schema:experiment",
    "title": "mlreport experiment record",
    "type": "object",
    "required": ["title", "date"],
    "$defs": {"metrics": _NUMBER_TREE},
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "title": {"type": "string", "minLength": 1},
        "date": _DATE,
        "status": {"enum": list(EXPERIMENT_STATUSES)},
        "authors": _STRINGS,
        "tags": _STRINGS,
        "task": {"type": "string"},
        "dataset": {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "required": ["name"], "additionalProperties": False,
                 "properties": {k: {"type": ["string", "number"]}
                                for k in ("name", "version", "split", "uri")}},
            ]
        },
        "model": {"type": "string"},
        "baseline": {"type": "string"},
        "params": {"type": "object"},
        "metrics": {"$ref": "#/$defs/metrics"},
        "history": {
            "anyOf": [
                {"type": "string", "description": "relative path to a CSV/TSV file or folder"},
                {"type": "object", "additionalProperties": _POINTS},
            ]
        },
        "code": {"type": "object", "properties": {k: {"type": ["string", "null"]} for k in
                                                  ("repo", "commit", "path", "command")}},
        "data": {"type": "object"},
        "environment": {"type": "object"},
        "artifacts": {"type": "array", "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "uri": {"type": "string"}}}},
        "links": {"type": "array", "items": {
            "type": "object", "required": ["title", "url"],
            "properties": {"title": {"type": "string"}, "url": {"type": "string"}}}},
        "explanations": {"type": "object", "additionalProperties": False, "properties": {
            "feature_importance": {"anyOf": [
                {"type": "string", "description": "relative path to a CSV/TSV file with feature, importance columns"},
                {"type": "object", "additionalProperties": {"type": "number"}}]},
            "method": {"enum": list(EXPLANATION_METHODS)},
            "notes": {"type": "string"}}},
        "notes": {"type": "string"},
        "extra": {"type": "object"},
        "source": {"type": "object", "required": ["tool"],
                   "description": "where an imported record came from; a later import updates it in place",
                   "properties": {"tool": {"type": "string"}}},
    },
}

DECISION: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:mlreport:schema:decision",
    "title": "mlreport decision record (front matter, MADR 4 compatible)",
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "status": {"type": "string"},
        "date": _DATE,
        "status_date": {**_DATE, "description": "when the status became what it is (YYYY-MM-DD)"},
        "decision-makers": {"anyOf": [_STRINGS, {"type": "string"}]},
        "deciders": {"anyOf": [_STRINGS, {"type": "string"}]},
        "consulted": {"anyOf": [_STRINGS, {"type": "string"}]},
        "informed": {"anyOf": [_STRINGS, {"type": "string"}]},
        "supersedes": {"anyOf": [_REFS, _REF]},
        "superseded_by": {"anyOf": [_REFS, _REF]},
        "evidence": _STRINGS,
        "models": _STRINGS,
        "tags": _STRINGS,
        # Other tools' front matter that MADR repos carry (just-the-docs and friends).
        "parent": {}, "nav_order": {}, "grand_parent": {}, "layout": {}, "has_children": {},
    },
}

MODEL: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:mlreport:schema:model",
    "title": "mlreport model card (Hugging Face compatible front matter)",
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "version": {"type": ["string", "number"]},
        "owners": _STRINGS,
        "status": {"enum": list(MODEL_STATUSES)},
        "status_date": {**_DATE, "description": "when the status became what it is (YYYY-MM-DD)"},
        "date": _DATE,
        "decisions": _REFS,
        "evaluations": {"type": "array", "items": {
            "type": "object", "required": ["experiment"], "additionalProperties": False,
            "properties": {"experiment": {"type": "string"}, "metrics": _STRINGS,
                           "split": {"type": "string"}}}},
        "kpis": {"type": "array", "items": {
            "type": "object", "required": ["metric", "target"],
            "properties": {**{k: {"type": "string"} for k in ("metric", "title", "target", "warn", "unit", "owner")},
                           "scope": {"type": "object", "additionalProperties": False,
                                     "properties": {k: {"type": "string"} for k in ("task", "dataset", "model")}}}}},
        # Hugging Face model card metadata, same names and meaning.
        "license": {"type": "string"},
        "license_name": {"type": "string"},
        "license_link": {"type": "string"},
        "language": {"anyOf": [_STRINGS, {"type": "string"}]},
        "library_name": {"type": "string"},
        "pipeline_tag": {"type": "string"},
        "tags": _STRINGS,
        "datasets": _STRINGS,
        "metrics": _STRINGS,
        "base_model": {"anyOf": [_STRINGS, {"type": "string"}]},
        "model-index": {"type": "array"},
        "model_index": {"type": "array", "description": "the legacy spelling of model-index"},
        "thumbnail": {"type": "string"},
        "inference": {},
        "widget": {},
        "co2_eq_emissions": {},
        "new_version": {"type": "string"},
        "base_model_relation": {"type": "string"},
        "model_name": {"type": "string"},
    },
    # The Hub's access-request form for gated models: extra_gated_prompt, extra_gated_fields, …
    "patternProperties": {"^extra_gated_": {}},
}

SCHEMAS: dict[str, dict[str, Any]] = {"experiment": EXPERIMENT, "decision": DECISION, "model": MODEL}


def schema_path(kind: str) -> str:
    """Where `mlreport init`/`new` keep a kind's schema, relative to the repo root."""
    return f"{SCHEMA_DIR}/{kind}.json"
