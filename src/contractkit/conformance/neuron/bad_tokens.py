"""The tokens the auth rules present and the search for a reflected one: forged (foreign key,
``alg: none``, an edited payload), expired past the declared leeway, and credentials echoed back.
Shared by the HTTP rules (NEU-AUTH) and the WebSocket rules (NEU-WS)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from functools import lru_cache

import jwt

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron import credentials
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.redaction import REDACTOR
from contractkit.spec.neuron import Operation
from contractkit.spec.security import scopes_of

FOREIGN_AUDIENCE = "urn:contractkit:foreign-audience"


@lru_cache(maxsize=1)
def _foreign_key() -> object:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _claims(neuron: NeuronTarget, op: Operation, **extra: object) -> dict:
    now = int(time.time())
    return {"sub": "contractkit", "client_id": "contractkit", "aud": neuron.spec.audiences or FOREIGN_AUDIENCE,
            "scope": " ".join(op.scopes or ()), "iat": now, "nbf": now, "exp": now + 300,
            "jti": secrets.token_hex(8), **extra}


def forged_tokens(neuron: NeuronTarget, op: Operation) -> list[tuple[str, str]]:
    """Tokens with the right claims that no trusted key signed."""
    claims = _claims(neuron, op)
    forged = jwt.encode(claims, _foreign_key(), algorithm="RS256", headers={"kid": "contractkit-foreign"})
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned = f"{header}.{_b64(json.dumps(claims).encode())}."
    tokens = [("signed by an unknown key", forged), ("alg none", unsigned)]
    real = neuron.tokens.try_token(op.scopes or ())
    if real:
        head, payload, signature = real.split(".")
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data["scope"] = " ".join(neuron.spec.all_scopes) + " admin"
        data["exp"] = int(data.get("exp", time.time())) + 3600
        tokens.append(("real token with an edited payload", f"{head}.{_b64(json.dumps(data).encode())}.{signature}"))
    for _, token in tokens:
        REDACTOR.add(token)
    return tokens


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_EXPIRED_LOCK = threading.Lock()


def expired_token(neuron: NeuronTarget, op: Operation) -> str:
    """A token with the operation's scopes that expired a moment ago, past the target's declared
    clock-skew leeway (``--clock-skew`` / ``x-clock-skew-seconds``).

    One-second tokens are minted for every scope set of the spec at once, so the run waits for
    them to expire only once; a leeway longer than the suite waits is not verified.
    """
    key = tuple(sorted(op.scopes or ()))
    wait = credentials.expiry_wait(neuron, 1.0)
    with _EXPIRED_LOCK:
        expired_tokens: dict[tuple[str, ...], str] = neuron.notes.setdefault("expired_tokens", {})
        if key not in expired_tokens:
            sets = {key} | {tuple(sorted(o.scopes or ())) for o in neuron.spec.operations if o.authenticated}
            sets |= {scopes_of(d.get("security"), neuron.spec.security_schemes)
                     for d in neuron.spec.websockets.values() if isinstance(d, dict)}
            minted = {}
            for scopes in sets:
                token = neuron.tokens.try_token(scopes, expires_in=1, cache=False)
                if token:
                    minted[scopes] = token
            if key not in minted:
                neuron.tokens.token(key, expires_in=1, cache=False)  # raises NotVerified with the reason
            time.sleep(wait)
            expired_tokens.update(minted)
        return expired_tokens[key]


def reflected(exchange: Exchange, secrets_sent: list[str]) -> str | None:
    """Where a sent credential shows up in the answer, if it does."""
    for secret in secrets_sent:
        if len(secret) < 12:
            continue
        signature = secret.split(".")[-1] if secret.count(".") == 2 else ""
        probes = {secret, signature} if len(signature) >= 16 else {secret}
        for probe in probes:
            if probe in exchange.text:
                return "the response body"
            for name, value in exchange.headers.items():
                if probe in value:
                    return f"the {name} header"
    return None
