"""Slugs: the file and URL names that titles and ids become."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII words joined by dashes: `Über ResNet-50!` → `uber-resnet-50`; "" when nothing is usable.

    Accented letters keep their base letter instead of vanishing; a long text ends at a word boundary.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        head = slug[:max_length + 1]
        slug = head.rsplit("-", 1)[0] if "-" in head else head[:max_length]
    return slug
