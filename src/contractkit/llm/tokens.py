"""The embedded provider's tokenizer: words, numbers and single punctuation marks are tokens.

It is the one way the embedded provider (and the provider double, which speaks for it) counts,
so every reported ``token_count`` is the real count of the text that was produced.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def split_for_streaming(text: str) -> list[str]:
    """Pieces that concatenate back to ``text`` exactly: each word with the space before it."""
    return re.findall(r"\s*\S+", text) or ([text] if text else [])
