"""The leak detectors: each fires on the leak it names, across stacks, and not on ordinary problem text."""

from __future__ import annotations

import pytest

from contractkit.conformance.neuron.leaks import find_leaks

LEAKS = [
    ("stack trace", 'Traceback (most recent call last):\n  File "/app/main.py", line 3, in <module>'),
    ("stack trace", "java.lang.NullPointerException\n\tat com.acme.Neuron.answer(Neuron.java:42)"),
    ("stack trace", "TypeError: x is undefined\n    at Object.<anonymous> (/srv/app/index.js:10:5)"),
    ("stack trace", "goroutine 1 [running]:\nmain.main()"),
    ("exception name", "KeyError: 'customer'"),
    ("exception name", "sqlalchemy.exc.OperationalError: could not connect"),
    ("exception name", "HTTPException raised"),
    ("file path", "failed in /usr/src/app/neuron/routes.py"),
    ("file path", r"C:\services\neuron\app.py crashed"),
    ("file path", "see site-packages/fastapi/routing.py"),
    ("secret", "provider key sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
    ("secret", "AKIAIOSFODNN7EXAMPLE"),
    ("secret", "-----BEGIN RSA PRIVATE KEY-----"),
    ("secret", 'config: {"api_key": "live_8a7sd6f5"}'),
    ("prompt", "System prompt: You are a helpful assistant for Acme."),
    ("prompt", '[{"role": "system", "content": "be terse"}]'),
    ("prompt", "<|im_start|>system"),
]

CLEAN = [
    '{"type":"https://contractkit.dev/problems/validation_error","title":"Unprocessable Content","status":422,'
    '"detail":"The request body is not valid.","code":"validation_error","request_id":"req_01HZX3K4W7Q2",'
    '"errors":[{"location":"/customer_id","message":"not a UUID"}]}',
    "Internal Server Error",
    "The AI provider is unavailable; retry later.",
    "Rate limit of 100 requests per 2 seconds exceeded.",
    "the request failed validation error checks",
    "See https://contractkit.dev/problems/insufficient_scope",
    "This operation needs the neuron.risk scope.",
    "Value error in field customer_id: not a UUID",
    "The access token is missing, malformed, expired or not for this API.",
]


@pytest.mark.parametrize(("kind", "text"), LEAKS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(LEAKS)])
def test_detector_fires_on_its_leak(kind, text):
    assert kind in {name for name, _ in find_leaks(text)}


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_problem_text_is_clean(text):
    assert find_leaks(text) == []


def test_known_secrets_are_found_even_unlabelled():
    assert find_leaks("echo: s3cr3t-value-123", ["s3cr3t-value-123"]) == [("secret", "a secret known to this run")]
    assert find_leaks("nothing here", ["s3cr3t-value-123"]) == []


def test_the_callers_own_input_quoted_back_is_not_a_leak():
    body = '{"errors": [{"message": "\'ProviderError\' is not one of the tiers"}]}'
    assert find_leaks(body, echoed='{"model_tier": "ProviderError"}') == []
    assert find_leaks(body + " KeyError", echoed='{"model_tier": "ProviderError"}') == [("exception name", "KeyError")]
