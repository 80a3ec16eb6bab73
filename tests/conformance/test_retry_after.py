"""Retry-After is read as RFC 9110 defines it: delay-seconds or an HTTP-date."""

from __future__ import annotations

import time
from email.utils import formatdate

from contractkit.conformance.http import retry_after_seconds


def test_seconds_and_http_dates_are_both_retry_after_values() -> None:
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds(" 120 ") == 120.0
    in_30s = retry_after_seconds(formatdate(time.time() + 30, usegmt=True))
    assert in_30s is not None and 27 <= in_30s <= 31
    assert retry_after_seconds(formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_anything_else_is_no_retry_after() -> None:
    for value in (None, "", "soon", "-3", "1.5e3", "Tue, 99 Foo 2026"):
        assert retry_after_seconds(value) is None, value
