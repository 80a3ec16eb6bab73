"""Who may ask the token issuer for what: client ids, secrets, scopes and audiences.

Without a clients file the issuer knows the demo clients below (the demo, the reference stack
and the tests rely on them). With ``--clients FILE`` (or ``$CONTRACTKIT_ISSUER_CLIENTS``) it knows
the clients of a YAML or JSON file instead::

    clients:
      - client_id: ci-conformance
        secret_env: CI_CONFORMANCE_SECRET      # the NAME of the variable holding the secret
        scopes: [neuron.chat, neuron.suggest]
        audiences: [neuron-api, crm-data-mcp]
        default_audience: neuron-api           # optional; needed to omit the audience with 2+

Secrets never live in the file (a ``secret`` key is refused): a file that is checked in or
printed in a CI log must not leak one. Every mistake is one ``ConfigError`` line naming the file,
line and column, so ``contractkit serve token-issuer`` exits 2 without a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from contractkit.errors import ConfigError, InputError


@dataclass(frozen=True)
class ClientRegistration:
    """One OAuth2 client: its secret, the scopes it may hold, the audiences it may ask for.

    ``default_audience`` is the audience of a request that names none; without it such a request
    is refused unless the client has exactly one audience.
    """

    client_id: str
    secret: str = field(repr=False)
    scopes: frozenset[str]
    audiences: frozenset[str]
    default_audience: str | None = None

    def audience_when_unnamed(self) -> str | None:
        if self.default_audience:
            return self.default_audience
        return next(iter(self.audiences)) if len(self.audiences) == 1 else None


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

CLIENTS_ENV = "CONTRACTKIT_ISSUER_CLIENTS"
_CLIENT_KEYS = {"client_id", "secret_env", "scopes", "audiences", "default_audience"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), i.e. no space, quote or backslash.
_SCOPE_TOKEN = re.compile(r'^[\x21\x23-\x5b\x5d-\x7e]+$')


def load_clients(path: str | os.PathLike[str] | None = None,
                 environ: dict[str, str] | None = None) -> tuple[ClientRegistration, ...]:
    """The clients of a file (``path``, else ``$CONTRACTKIT_ISSUER_CLIENTS``), or the demo clients.

    Secrets are read from the environment variables the file names (``environ``: for tests).
    """
    path = path or os.environ.get(CLIENTS_ENV)
    if not path:
        return DEMO_CLIENTS
    from contractkit.loading import load_document

    try:
        doc = load_document(path, require_kind=False)
    except InputError as exc:
        raise ConfigError(f"cannot read the clients file: {exc.message}", location=str(path)) from None
    return _Validator(doc, os.environ if environ is None else environ).clients()


class _Validator:
    """Turns the parsed file into registrations, failing on the first mistake with its place."""

    def __init__(self, doc: Any, environ: Any) -> None:
        self.doc = doc
        self.environ = environ

    def fail(self, pointer: str, message: str) -> ConfigError:
        try:
            where = self.doc.where(pointer)
        except Exception:  # a location is a courtesy; never let it hide the message
            where = self.doc.name
        return ConfigError(message, location=where)

    def clients(self) -> tuple[ClientRegistration, ...]:
        data = self.doc.data
        if not isinstance(data, dict) or set(data) != {"clients"}:
            raise self.fail("", "a clients file is a mapping with one key, 'clients': a list of clients")
        items = data["clients"]
        if not isinstance(items, list) or not items:
            raise self.fail("/clients", "'clients' must be a non-empty list")
        registrations: list[ClientRegistration] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            client = self.client(f"/clients/{index}", item)
            if client.client_id in seen:
                raise self.fail(f"/clients/{index}/client_id", f"client_id {client.client_id!r} appears twice")
            seen.add(client.client_id)
            registrations.append(client)
        return tuple(registrations)

    def client(self, at: str, item: Any) -> ClientRegistration:
        if not isinstance(item, dict):
            raise self.fail(at, "each client is a mapping (client_id, secret_env, scopes, audiences)")
        if "secret" in item or "client_secret" in item:
            raise self.fail(at, "secrets do not belong in the clients file: name the environment variable "
                                "that holds it with 'secret_env'")
        unknown = sorted(set(item) - _CLIENT_KEYS)
        if unknown:
            raise self.fail(f"{at}/{unknown[0]}", f"unknown key {unknown[0]!r} (expected: "
                                                  f"{', '.join(sorted(_CLIENT_KEYS))})")
        missing = [k for k in ("client_id", "secret_env", "scopes", "audiences") if k not in item]
        if missing:
            raise self.fail(at, f"client is missing {', '.join(repr(k) for k in missing)}")
        client_id = self.text(f"{at}/client_id", item["client_id"], "client_id")
        if ":" in client_id:
            raise self.fail(f"{at}/client_id", "client_id must not contain ':' (HTTP Basic "
                                                "separates id and secret with it)")
        env_name = self.text(f"{at}/secret_env", item["secret_env"], "secret_env")
        if not _ENV_NAME.match(env_name):
            raise self.fail(f"{at}/secret_env", f"secret_env is the NAME of an environment variable; "
                                                f"{env_name!r} is not one")
        secret = self.environ.get(env_name, "")
        if not secret:
            raise self.fail(f"{at}/secret_env", f"${env_name} (the secret of client {client_id!r}) is not set "
                                                "or is empty")
        scopes = self.strings(f"{at}/scopes", item["scopes"], "scopes", allow_empty=True)
        for i, scope in enumerate(scopes):
            if not _SCOPE_TOKEN.match(scope):
                raise self.fail(f"{at}/scopes/{i}", f"scope {scope!r} is not an RFC 6749 scope token "
                                                    "(no spaces, quotes or backslashes)")
        audiences = self.strings(f"{at}/audiences", item["audiences"], "audiences", allow_empty=False)
        default = item.get("default_audience")
        if default is not None:
            default = self.text(f"{at}/default_audience", default, "default_audience")
            if default not in audiences:
                raise self.fail(f"{at}/default_audience", f"default_audience {default!r} is not one of the "
                                                          "client's audiences")
        return ClientRegistration(client_id, secret, frozenset(scopes), frozenset(audiences), default)

    def text(self, at: str, value: Any, name: str) -> str:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise self.fail(at, f"{name} must be a non-empty string without surrounding spaces")
        return value

    def strings(self, at: str, value: Any, name: str, *, allow_empty: bool) -> list[str]:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(at, f"{name} must be a {'' if allow_empty else 'non-empty '}list of strings")
        return [self.text(f"{at}/{i}", v, f"each of {name}") for i, v in enumerate(value)]
