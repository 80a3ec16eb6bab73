"""How each security alternative's credential is presented on a request.

The spec says where each scheme's credential goes (``contractkit.spec.security``): a bearer token
in ``Authorization`` (oauth2, openIdConnect, http bearer), an API key in the header, query
parameter or cookie its apiKey scheme names. Tokens come from the run's ``TokenSource``; an API
key from the variable ``--api-key-env SCHEME=VAR`` names, read when first needed, registered with
the redactor and never printed. An alternative the suite cannot present (http basic, mutualTLS)
makes the calls that need it not verified, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.redaction import REDACTOR
from contractkit.spec import declarations
from contractkit.spec.security import Alternative, SecurityScheme

if TYPE_CHECKING:
    from contractkit.conformance.neuron.requests import RequestParts
    from contractkit.conformance.neuron.target import NeuronTarget
    from contractkit.spec.neuron import Operation


@dataclass(frozen=True)
class Presentation:
    """Where the credentials of one alternative go: headers, query parameters, cookies."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def apply(self, parts: RequestParts) -> RequestParts:
        """``parts`` with these credentials added (a credential wins over a parameter of its name)."""
        return replace(parts, headers={**parts.headers, **self.headers}, query={**parts.query, **self.query},
                       cookies={**parts.cookies, **self.cookies})


def api_key_hint(scheme: SecurityScheme) -> str:
    return f"no API key for {scheme.describe()}: give --api-key-env {scheme.name}=VAR"


def api_key(envs: Mapping[str, str], scheme: SecurityScheme, environ: Mapping[str, str] | None = None) -> str:
    """The key of an apiKey scheme, from the variable ``--api-key-env`` names; NotVerified if none."""
    env_name = envs.get(scheme.name)
    value = ((os.environ if environ is None else environ).get(env_name) or "").strip() if env_name else ""
    if not value:
        reason = api_key_hint(scheme) if not env_name else f"${env_name} (the API key of {scheme.name!r}) is not set"
        raise NotVerified(reason)
    REDACTOR.add(value)
    return value


def present(alternative: Alternative, token: str | None, keys: Mapping[str, str]) -> Presentation:
    """The credentials of ``alternative``: ``token`` for its bearer scheme, ``keys[name]`` for each
    apiKey scheme (the bearer token itself goes in ``Authorization`` through the HTTP client)."""
    out = Presentation()
    for requirement in alternative.requirements:
        scheme = requirement.scheme
        if scheme.bearer:
            continue
        if not scheme.api_key:
            raise NotVerified(f"the suite cannot present {scheme.describe()} credentials (only bearer tokens "
                              "and API keys)")
        key = keys[scheme.name]
        target = {"header": out.headers, "query": out.query, "cookie": out.cookies}[scheme.location or "header"]
        target[scheme.param or scheme.name] = key
    return out


def credentials_for(neuron: NeuronTarget, op: Operation) -> tuple[str | None, Presentation]:
    """The operation's bearer token (if its alternative has one) and where its other credentials go.

    Raises NotVerified when a credential of the operation's alternative cannot be had.
    """
    alternative = op.credential
    if alternative is None:
        return None, Presentation()
    keys = {r.scheme.name: api_key(neuron.options.api_key_envs, r.scheme) for r in alternative.api_keys}
    token = neuron.token_for(op) if alternative.bearer is not None else None
    return token, present(alternative, token, keys)


def with_api_keys(neuron: NeuronTarget, op: Operation, parts: RequestParts) -> RequestParts:
    """``parts`` with the good API keys of an alternative that also needs a bearer token: a probe of
    the token (missing, forged, expired) must differ from the valid request in the token alone."""
    alternative = op.credential
    if alternative is None or alternative.bearer is None or not alternative.api_keys:
        return parts
    keys = {r.scheme.name: api_key(neuron.options.api_key_envs, r.scheme) for r in alternative.api_keys}
    return present(alternative, None, keys).apply(parts)


def authenticate(neuron: NeuronTarget, op: Operation, parts: RequestParts) -> tuple[RequestParts, str | None]:
    """``parts`` with the operation's non-bearer credentials added, and its bearer token (if any)."""
    token, presentation = credentials_for(neuron, op)
    return presentation.apply(parts), token


def wrong_keys(op: Operation) -> Presentation | None:
    """The operation's API keys replaced by a value no server issued, or None without API keys."""
    alternative = op.credential
    if alternative is None or not alternative.api_keys:
        return None
    return present(alternative, None, {r.scheme.name: "contractkit-wrong-key-0000" for r in alternative.api_keys})


#: The longest clock-skew leeway the expiry rules wait past; a longer one is not verified.
MAX_LEEWAY_WAIT_S = 60.0
SKEW_HINT = ("the token had expired over a second before; if the target allows a clock skew on exp, declare it: "
             "x-clock-skew-seconds on the security scheme, or --clock-skew S")


def clock_skew(neuron: NeuronTarget) -> float:
    """The leeway the target allows on ``exp``: ``--clock-skew``, else the spec's
    ``x-clock-skew-seconds``, else none (RFC 7519 section 4.1.4 allows "a small leeway")."""
    given = getattr(neuron.options, "clock_skew", None)
    return float(given) if given is not None else float(neuron.spec.clock_skew_s or 0.0)


def expiry_wait(neuron: NeuronTarget, lifetime_s: float) -> float:
    """How long to wait for a token of ``lifetime_s`` to be past expiry and leeway, or NotVerified
    when the leeway is longer than the suite waits."""
    skew = clock_skew(neuron)
    if skew > MAX_LEEWAY_WAIT_S:
        raise NotVerified(f"the clock-skew leeway ({skew:g} s, --clock-skew or x-clock-skew-seconds) is longer "
                          f"than the suite waits for a token to expire ({MAX_LEEWAY_WAIT_S:g} s)")
    return lifetime_s + skew + 1.2


def require_bearer(op: Operation) -> None:
    """NotVerified unless the operation is called with a bearer token (the token rules' subject)."""
    if not op.bearer:
        alternatives = "; ".join(a.describe() for a in op.security) or "none"
        raise NotVerified(f"{op.label} takes no bearer token the suite can present (security alternatives: "
                          f"{alternatives}): {declarations.BEARER.reason}")
