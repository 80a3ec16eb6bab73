"""A token issuer on a loopback port for the auth tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contractkit.reference.token_issuer.issuer import TokenIssuer
from contractkit.servers import BackgroundServer


@pytest.fixture(scope="module")
def issuer() -> Iterator[tuple[TokenIssuer, str]]:
    token_issuer = TokenIssuer(lifetime_s=600)
    with BackgroundServer(token_issuer.app) as server:
        yield token_issuer, server.url
