"""Who may ask the token issuer for what: client ids, secrets, scopes and audiences."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from contractkit.errors import ConfigError


@dataclass(frozen=True)
class ClientRegistration:
    """One OAuth2 client: its secret, the scopes it may hold, the audiences it may ask for."""

    client_id: str
    secret: str = field(repr=False)
    scopes: frozenset[str]
    audiences: frozenset[str]


# The demo credentials of the reference stack; printed by `contractkit serve stack` on purpose.
DEMO_CLIENT_ID = "demo-engine"
DEMO_CLIENT_SECRET = "demo-engine-secret"

DEMO_CLIENTS: tuple[ClientRegistration, ...] = (
    ClientRegistration(
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        frozenset({"neuron.analyze", "neuron.suggest", "neuron.risk", "neuron.chat",
                   "crm.read", "crm.write", "docs.read"}),
        frozenset({"neuron-api", "crm-data-mcp", "document-retrieval-mcp"}),
    ),
    ClientRegistration(
        "crm-data-mcp",
        "crm-data-mcp-secret",
        frozenset({"engine.customers.read", "engine.customers.write"}),
        frozenset({"engine-internal"}),
    ),
    ClientRegistration(
        "document-retrieval-mcp",
        "document-retrieval-mcp-secret",
        frozenset({"engine.documents.read", "engine.customers.read"}),
        frozenset({"engine-internal"}),
    ),
)


def load_clients(path: str | os.PathLike[str] | None = None) -> tuple[ClientRegistration, ...]:
    """Clients from a JSON file (``CONTRACTKIT_ISSUER_CLIENTS``), or the demo clients.

    The file is a list of ``{"client_id", "secret", "scopes": [...], "audiences": [...]}``.
    """
    path = path or os.environ.get("CONTRACTKIT_ISSUER_CLIENTS")
    if not path:
        return DEMO_CLIENTS
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return tuple(
            ClientRegistration(
                str(item["client_id"]),
                str(item["secret"]),
                frozenset(item.get("scopes", ())),
                frozenset(item.get("audiences", ())),
            )
            for item in raw
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read issuer clients from {path}: {exc}") from None
