"""The one WWW-Authenticate reader: several challenges, quoted strings, token68, case."""

from __future__ import annotations

import pytest

from contractkit.conformance.challenge import bearer, challenge, parse
from contractkit.conformance.neuron import common


@pytest.mark.parametrize(("header", "expected"), [
    ("Bearer", ("bearer", {})),
    ('Bearer realm="x", error="insufficient_scope", scope="a b"',
     ("bearer", {"realm": "x", "error": "insufficient_scope", "scope": "a b"})),
    ('Basic realm="a, b", Bearer error=invalid_token', ("bearer", {"error": "invalid_token"})),
    ('Negotiate abc123==, BEARER Resource_Metadata="https://x/y"', ("bearer", {"resource_metadata": "https://x/y"})),
    ('bearer error="a\\"b"', ("bearer", {"error": 'a"b'})),
    ('Basic realm="r"', ("basic", {"realm": "r"})),
    ("", ("", {})),
])
def test_challenge(header: str, expected: tuple[str, dict[str, str]]) -> None:
    assert challenge(header) == expected
    assert common.challenge is challenge  # the neuron checks' name for it


def test_every_challenge_is_kept_and_bearer_is_found_anywhere() -> None:
    found = parse('Negotiate abc123==, Basic realm="a, b", Bearer error="invalid_token"')
    assert [(c.scheme, c.token68) for c in found] == [("negotiate", "abc123=="), ("basic", None), ("bearer", None)]
    assert bearer('Basic realm="x"') is None
    assert bearer('Basic realm="x", Bearer scope="s"') == {"scope": "s"}
