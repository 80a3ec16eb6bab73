"""Security as the spec declares it: every scheme type of OpenAPI 3.1, requirements as alternatives.

An operation's ``security`` is a list of alternatives (any one of them admits the caller), each
an AND of schemes; an empty requirement ``{}`` is the anonymous alternative. Each scheme says
where its credential goes (``Authorization: Bearer`` for oauth2, openIdConnect and http bearer;
a header, query or cookie parameter for apiKey), which scopes it knows and how a token is
obtained (oauth2 ``clientCredentials.tokenUrl``, or the ``token_endpoint`` of an openIdConnect
discovery document). contractkit's scheme extensions (docs/extensions.md#x-audience-and-x-token-request)
add the audience, the token request, the clock-skew leeway and a foreign audience.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SCHEME_TYPES = ("oauth2", "http", "apiKey", "openIdConnect", "mutualTLS")
BEARER_TYPES = ("oauth2", "openIdConnect")


@dataclass(frozen=True)
class SecurityScheme:
    """One entry of ``components.securitySchemes``, read for what the suite needs of it."""

    name: str
    type: str
    http_scheme: str | None = None  # http: bearer, basic, ...
    location: str | None = None  # where the credential goes: header | query | cookie
    param: str | None = None  # the header, query or cookie name
    token_url: str | None = None  # oauth2 clientCredentials tokenUrl
    discovery_url: str | None = None  # openIdConnect openIdConnectUrl
    scopes: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    clock_skew_s: float | None = None
    foreign_audience: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def read(cls, name: str, raw: Any) -> SecurityScheme | None:
        """The scheme ``raw`` declares, or None when it is not a security scheme object."""
        if not isinstance(raw, dict) or raw.get("type") not in SCHEME_TYPES:
            return None
        kind = raw["type"]
        http_scheme = str(raw.get("scheme", "")).lower() or None if kind == "http" else None
        location, param = None, None
        if kind == "apiKey" and raw.get("in") in ("header", "query", "cookie") and raw.get("name"):
            location, param = raw["in"], str(raw["name"])
        elif kind in BEARER_TYPES or http_scheme == "bearer":
            location, param = "header", "Authorization"
        flows = raw.get("flows") if kind == "oauth2" and isinstance(raw.get("flows"), dict) else {}
        scopes: dict[str, None] = {}
        for flow in flows.values():
            if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict):
                scopes.update(dict.fromkeys(str(s) for s in flow["scopes"]))
        credentials_flow = flows.get("clientCredentials") if isinstance(flows.get("clientCredentials"), dict) else {}
        token_url = credentials_flow.get("tokenUrl")
        discovery = raw.get("openIdConnectUrl") if kind == "openIdConnect" else None
        skew = raw.get("x-clock-skew-seconds")
        foreign = raw.get("x-foreign-audience")
        return cls(str(name), kind, http_scheme, location, param,
                   token_url if isinstance(token_url, str) and token_url else None,
                   discovery if isinstance(discovery, str) and discovery else None,
                   tuple(scopes), _audiences(raw.get("x-audience")),
                   float(skew) if isinstance(skew, int | float) and not isinstance(skew, bool) and skew >= 0 else None,
                   foreign if isinstance(foreign, str) and foreign else None, dict(raw))

    @property
    def bearer(self) -> bool:
        """Whether the credential is a bearer token in ``Authorization``."""
        return self.type in BEARER_TYPES or self.http_scheme == "bearer"

    @property
    def api_key(self) -> bool:
        return self.type == "apiKey" and self.location is not None

    @property
    def mints(self) -> bool:
        """Whether the spec says where tokens for this scheme are obtained."""
        return bool(self.token_url or self.discovery_url)

    @property
    def token_request(self) -> dict[str, Any]:
        raw = self.raw.get("x-token-request")
        return dict(raw) if isinstance(raw, dict) else {}

    def describe(self) -> str:
        """How a user would name this scheme: ``apiKey 'key' (header X-API-Key)``."""
        if self.api_key:
            return f"apiKey {self.name!r} ({self.location} {self.param})"
        kind = f"http {self.http_scheme}" if self.type == "http" else self.type
        return f"{kind} {self.name!r}"


def _audiences(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    return tuple(a for a in raw if isinstance(a, str)) if isinstance(raw, list) else ()


@dataclass(frozen=True)
class Requirement:
    """One scheme of a security requirement, with the scopes the operation asks of it."""

    scheme: SecurityScheme
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alternative:
    """One security requirement object: all of its schemes together admit the caller."""

    requirements: tuple[Requirement, ...] = ()

    @property
    def anonymous(self) -> bool:
        return not self.requirements

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(sorted({s for r in self.requirements for s in r.scopes}))

    @property
    def bearer(self) -> Requirement | None:
        """The requirement whose credential is a bearer token, if any."""
        return next((r for r in self.requirements if r.scheme.bearer), None)

    @property
    def api_keys(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.scheme.api_key)

    @property
    def presentable(self) -> bool:
        """Whether the suite knows how to present every credential of this alternative."""
        return all(r.scheme.bearer or r.scheme.api_key for r in self.requirements)

    def describe(self) -> str:
        if self.anonymous:
            return "anonymous ({})"
        return " and ".join(r.scheme.describe() + (f" [{', '.join(r.scopes)}]" if r.scopes else "")
                            for r in self.requirements)


def read_schemes(raw: Any, deref: Callable[[Any], Any]) -> dict[str, SecurityScheme]:
    """Every scheme of ``components.securitySchemes`` the suite can read, by name."""
    out = {}
    for name, scheme in (raw.items() if isinstance(raw, dict) else ()):
        read = SecurityScheme.read(str(name), deref(scheme))
        if read is not None:
            out[str(name)] = read
    return out


def read_alternatives(security: Any, schemes: dict[str, SecurityScheme]) -> tuple[Alternative, ...]:
    """The alternatives of a ``security`` list. A requirement naming an undeclared scheme keeps a
    placeholder scheme of unknown type (lint's OAS rules report the name), so it is never dropped
    into a weaker alternative."""
    out = []
    for requirement in security if isinstance(security, list) else ():
        if not isinstance(requirement, dict):
            continue
        parts = []
        for name, scopes in requirement.items():
            scheme = schemes.get(str(name)) or SecurityScheme(str(name), "unknown")
            parts.append(Requirement(scheme, tuple(str(s) for s in scopes or ()) if isinstance(scopes, list) else ()))
        out.append(Alternative(tuple(parts)))
    return tuple(out)


def primary(alternatives: tuple[Alternative, ...]) -> Alternative | None:
    """The alternative the suite authenticates with: the first with a bearer token, else the first
    it can present (API keys), else the first; None when one alternative is anonymous."""
    if not alternatives or any(a.anonymous for a in alternatives):
        return None
    return (next((a for a in alternatives if a.bearer and a.presentable), None)
            or next((a for a in alternatives if a.presentable), None) or alternatives[0])


def scopes_of(security: Any, schemes: dict[str, SecurityScheme] | None = None) -> tuple[str, ...]:
    """The scopes a token needs for a raw ``security`` list: those of the alternative the suite
    authenticates with (``primary``), never the union of alternatives; () when anonymous."""
    chosen = primary(read_alternatives(security, schemes or {}))
    return chosen.scopes if chosen is not None else ()
