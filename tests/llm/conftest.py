"""A provider double on a loopback port for the adapter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contractkit.reference.provider_double import ProviderDouble
from contractkit.servers import BackgroundServer


@pytest.fixture(scope="module")
def double() -> Iterator[tuple[ProviderDouble, str]]:
    provider_double = ProviderDouble(hang_s=10, slow_token_delay_s=1.5)  # both well past the adapters' 0.5 s deadline
    with BackgroundServer(provider_double.app) as server:
        yield provider_double, server.url
    provider_double.faults.clear()
