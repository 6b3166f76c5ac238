"""Slugs: titles and ids as file and URL names."""

from __future__ import annotations

import pytest

from mlreport.leaderboards import board_slug
from mlreport.slugs import slugify


@pytest.mark.parametrize(("text", "slug"), [
    ("Fraud detection — PR-AUC", "fraud-detection-pr-auc"),
    ("Über ResNet-50!", "uber-resnet-50"),
    ("Reconnaissance vocale (français) — WER", "reconnaissance-vocale-francais-wer"),
    ("Распознавание речи", ""),
    ("  --  ", ""),
])
def test_slugs_keep_the_base_letter_of_accented_ones(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_a_long_text_ends_at_a_word_boundary() -> None:
    assert slugify("alpha beta gamma delta", max_length=12) == "alpha-beta"
    assert slugify("abcdefghijklmnop", max_length=5) == "abcde"


def test_a_board_whose_title_has_no_usable_letter_still_gets_a_page_name() -> None:
    assert board_slug("Détection de fraude") == "detection-de-fraude"
    assert board_slug("Распознавание речи") == "board"
