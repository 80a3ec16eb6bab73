"""Answer pointers: one syntax for a body field or a response header, read by one function."""

from __future__ import annotations

import httpx
import pytest

from contractkit.spec.pointers import header_name, is_valid, read, read_answer


@pytest.mark.parametrize(("pointer", "expected"), [
    ("header:X-Usage-Tokens", "x-usage-tokens"), ("Header:location", "location"), ("header: X-A", "x-a"),
    ("/usage/tokens", None), ("header:", None), ("header:bad name", None), (None, None)])
def test_header_name(pointer, expected):
    assert header_name(pointer) == expected


@pytest.mark.parametrize(("pointer", "valid"), [
    ("/a/b", True), ("", True), ("header:X-Degraded", True), ("header:X Degraded", False), ("a/b", False),
    (3, False)])
def test_is_valid(pointer, valid):
    assert is_valid(pointer) is valid


def test_headers_read_case_insensitively_as_json_scalars():
    headers = httpx.Headers({"X-Usage-Tokens": "187", "X-Usage-Cost-USD": "5.61e-04", "X-Degraded": "true",
                             "X-Model-Tier": "balanced", "X-Odd": " 0012 "})
    assert read("header:x-usage-tokens", None, headers) == 187
    assert read("header:X-USAGE-COST-USD", None, headers) == pytest.approx(0.000561)
    assert read("header:X-Degraded", None, headers) is True
    assert read("header:X-Model-Tier", None, headers) == "balanced"
    assert read("header:X-Odd", None, headers) == "0012"  # not a JSON number: kept as text
    assert read("header:X-Missing", None, headers, "default") == "default"


def test_body_pointers_read_as_before():
    body = {"usage": {"tokens": 3}, "a/b": [1, 2]}
    assert read("/usage/tokens", body, {"x-usage-tokens": "9"}) == 3
    assert read("/a~1b/1", body) == 2
    assert read("/nowhere", body, None, "d") == "d"


def test_read_answer_takes_body_and_headers_of_an_exchange():
    class Answer:
        headers = httpx.Headers({"X-Degraded": "false"})

        def json_or_none(self):
            return {"fallback": True}

    assert read_answer("header:X-Degraded", Answer()) is False
    assert read_answer("/fallback", Answer()) is True
