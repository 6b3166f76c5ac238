"""Values as tools log them, read back as a person would write them."""

from __future__ import annotations

import pytest

from mlreport.importers.values import metric_key, typed_param


@pytest.mark.parametrize(("logged", "typed"), [
    ("0.1", 0.1), ("32", 32), ("1e-3", 0.001), ("true", True), ("True", True), ("false", False), ("None", None),
    ("[1, 2]", [1, 2]), ("['a', 'b']", ["a", "b"]), ("(64, 32)", [64, 32]), ('{"depth": 3}', {"depth": 3}),
    ("adamw", "adamw"), ("2026-01-05", "2026-01-05"), ("1:30", "1:30"), ("nan", "nan"), ("inf", "inf"),
    ("<function relu at 0x7f>", "<function relu at 0x7f>"), ("", ""),
])
def test_params_logged_as_text_are_typed_back(logged: str, typed: object) -> None:
    assert typed_param(logged) == typed
    assert type(typed_param(logged)) is type(typed)


@pytest.mark.parametrize(("logged", "key"), [
    ("train/loss", "train.loss"), ("test.auc", "test.auc"), ("val loss", "val_loss"), ("/x/", "x"),
    ("acc@1", "acc_1"),
])
def test_metric_names_become_record_keys(logged: str, key: str) -> None:
    assert metric_key(logged) == key
