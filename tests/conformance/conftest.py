"""Fixtures of the suite's own tests: a reference stack per session, and a way to run the CLI on it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from verify_helpers import run_cli

from contractkit.reference.stack import ReferenceStack

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"


@pytest.fixture(scope="session")
def stack() -> Iterator[ReferenceStack]:
    with ReferenceStack() as running:
        yield running


@pytest.fixture
def verify_stack(stack: ReferenceStack):
    """``verify_stack(*flags, credentials=True)``: ``contractkit verify neuron`` against the stack."""

    def run(*flags: str, credentials: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        argv = ["verify", "neuron", "--base-url", stack.neuron_url, "--profile", "quick", *flags]
        extra = dict(env or {})
        if credentials:
            argv += ["--token-url", stack.token_url, "--client-id", stack.client_id, "--client-secret-env", SECRET_ENV,
                     "--other-audience", "crm-data-mcp"]
            extra[SECRET_ENV] = stack.client_secret
        return run_cli(*argv, env=extra)

    return run
