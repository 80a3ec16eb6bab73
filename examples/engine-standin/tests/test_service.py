"""engine/'s own promise to its users, whatever neuron/ does: an answer or a friendly apology,
within a bounded time, and a logged failure whenever it had to apologise."""

from __future__ import annotations

import logging
import time

import pytest
from engine_standin.advice import SORRY
from engine_standin.service import advice_for_customer, chat_answer

CUSTOMER = "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21"  # the spec's example customer
PAGE_BUDGET_S = 20.0


def _check(advice, started: float, caplog: pytest.LogCaptureFixture) -> None:
    assert time.monotonic() - started < PAGE_BUDGET_S, "the user waited too long"
    assert advice.source in {"ai", "degraded", "unavailable"}
    assert advice.text.strip(), "the user got an empty answer"
    if advice.source == "unavailable":
        assert advice.text == SORRY
        assert any(r.levelno >= logging.WARNING for r in caplog.records), "a failure was not logged"
    else:
        assert advice.cost_usd >= 0


def test_the_customer_page_shows_advice(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    _check(advice_for_customer(CUSTOMER), started, caplog)


def test_the_chat_answers(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    _check(chat_answer("What should I do next for Acme?"), started, caplog)


def test_the_live_chat_answers(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    _check(chat_answer("What should I do next for Acme?", live=True), started, caplog)
