"""Auth rules on HTTP operations (and the SSE stream, which is one): 401/403 and challenges.

Bad tokens are built without trusting the target: a JWT signed by a key the issuer never had,
an ``alg: none`` token, a real token whose payload was edited after signing, one that expired
a moment ago, and one minted for another audience. Each must get 401 with a Bearer challenge;
a valid token without the operation's scope must get 403 ``insufficient_scope``.
"""

from __future__ import annotations

import secrets

from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import distinct, examined_of
from contractkit.conformance.neuron import credentials
from contractkit.conformance.neuron.bad_tokens import FOREIGN_AUDIENCE, expired_token, forged_tokens, reflected
from contractkit.conformance.neuron.common import challenge, expect_refusal, fail, positive_control
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified, RuleWarning, Violation
from contractkit.conformance.redaction import REDACTOR
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec import declarations
from contractkit.spec.neuron import Operation

CLAUSE_401 = "RFC 6750 section 3 (401 with WWW-Authenticate: Bearer); OpenAPI 3.1 security requirement"


def expect_401(exchange: Exchange, what: str) -> None:
    """A 401 with a Bearer challenge; a 429 or no answer is left to the ledger (not verified)."""
    if not expect_refusal(exchange, {401}, what):
        return
    header = exchange.headers.get("www-authenticate", "")
    scheme, _ = challenge(header)
    if scheme != "bearer":
        raise fail(f"{what}: 401 without a 'WWW-Authenticate: Bearer ...' challenge (got {header!r})", exchange)


def _send(neuron: NeuronTarget, op: Operation, token: str | None) -> Exchange:
    """The positive control's request, with ``token`` instead of a good one; the control itself first.

    Without a successful control (no credentials, or a target that refuses everything) only a probe
    that was served (2xx) is returned, to be failed: any other answer proves nothing, NotVerified."""
    try:
        positive_control(neuron, op)
        missing = None
    except NotVerified as exc:
        missing = exc
    exchange = neuron.call(op, parts=neuron.reachable_request(op), token=token, auth=False)
    if missing is not None and not (exchange.ok and 200 <= (exchange.status or 0) < 300):
        raise missing
    return exchange


def _refused(neuron: NeuronTarget, op: Operation, count: int) -> Examined:
    """A refusal counts only once the same request with a good token is seen to succeed (``_send``
    sends it first): a target that refuses everything proves nothing by refusing. The plugin
    counts the refusals the ledger recorded."""
    return Examined(count, "refused requests", "and a positive control with a valid token")


def _api_key_refusal(neuron: NeuronTarget, op: Operation, case: str) -> Examined:
    """On an operation whose credential is API keys only: a request without them (``case``
    "missing") or with keys no server issued ("wrong") must be refused with a status the operation
    declares for it (401 or 403), after the same request with the real keys succeeded."""
    refusals = {int(s) for s in ("401", "403") if s in op.responses}
    if not refusals:
        raise NotVerified(declarations.KEY_REFUSAL.reason)
    positive_control(neuron, op)
    parts = neuron.reachable_request(op)
    wrong = credentials.wrong_keys(op)
    if case == "wrong" and wrong is not None:
        parts = wrong.apply(parts)
    what = "no API key" if case == "missing" else "a wrong API key"
    expect_refusal(neuron.call(op, parts=parts, auth=False), refusals, f"{what} ({op.label} declares "
                   f"{' or '.join(str(s) for s in sorted(refusals))})")
    return Examined(1, "refused requests", "and a positive control with the API keys")


@NEURON_CHECKS.register("NEU-AUTH-001", "No token: 401 with a Bearer challenge", kind="refusal", clause=CLAUSE_401,
                        applies="authenticated")
def no_token(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: calls the operation without an Authorization header.

    Why: an AI endpoint that answers anonymous callers leaks customer data and spends money.

    Example: ``POST /analyze-customer`` with no header must get ``401`` and
    ``WWW-Authenticate: Bearer``, not an analysis. On an operation with API keys only: the
    request without them gets the 401 or 403 the operation declares.
    """
    if not op.bearer:
        return _api_key_refusal(neuron, op, "missing")
    expect_401(_send(neuron, op, None), "no token")
    return _refused(neuron, op, 1)


@NEURON_CHECKS.register("NEU-AUTH-002", "Malformed token: 401", kind="refusal",
                        clause=CLAUSE_401, applies="authenticated")
def malformed_token(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: sends tokens that are not JWTs at all (random text, three bad segments).

    Why: a parser that crashes or lets garbage through is an open door. On an operation with API
    keys only: a wrong key gets the 401 or 403 the operation declares.
    """
    if not op.bearer:
        return _api_key_refusal(neuron, op, "wrong")
    tokens = ("not-a-token", "eyJhbGciOiJSUzI1NiJ9.e30", "a.b.c")
    for token in tokens:
        expect_401(_send(neuron, op, token), f"malformed token {token!r}")
    return _refused(neuron, op, len(tokens))


@NEURON_CHECKS.register("NEU-AUTH-003", "Tampered or forged token: 401", kind="refusal",
                        clause=CLAUSE_401 + "; RFC 7515 signatures",
                        applies="authenticated")
def tampered_token(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: sends a token signed by a foreign key, an ``alg: none`` token, and (with
    credentials) a real token whose payload was edited after signing.

    Why: accepting any of them means anyone can mint their own scopes.
    """
    credentials.require_bearer(op)
    tokens = forged_tokens(neuron, op)
    for what, token in tokens:
        expect_401(_send(neuron, op, token), what)
    return _refused(neuron, op, len(tokens))


@NEURON_CHECKS.register("NEU-AUTH-004", "Expired token: 401", kind="refusal",
                        clause=CLAUSE_401 + "; RFC 7519 section 4.1.4 (exp)",
                        applies="authenticated")
def expired(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: mints a one-second token from the issuer (``expires_in=1``), waits for it to
    expire, plus the declared clock-skew leeway (``x-clock-skew-seconds`` or ``--clock-skew``, at most
    60 s), and sends it. Not verified when the issuer cannot mint short-lived tokens.
    """
    credentials.require_bearer(op)
    try:
        expect_401(_send(neuron, op, expired_token(neuron, op)), "expired token")
    except Violation as exc:
        if credentials.clock_skew(neuron) == 0:  # a target with a leeway the spec does not declare
            raise Violation(exc.message + f" ({credentials.SKEW_HINT})", evidence=exc.evidence,
                            operation=exc.operation) from None
        raise
    return _refused(neuron, op, 1)


def other_audiences(neuron: NeuronTarget) -> list[str]:
    """Audiences that are none of the API's: ``--other-audience`` if given, the spec's
    ``x-foreign-audience`` if declared, else a made-up one."""
    given = getattr(neuron.options, "other_audience", None)
    candidates = [a for a in (given, neuron.spec.foreign_audience) if a] or [FOREIGN_AUDIENCE]
    return [a for a in dict.fromkeys(candidates) if a not in neuron.spec.audiences]


@NEURON_CHECKS.register("NEU-AUTH-005", "Token for another audience: 401",
                        kind="refusal",
                        clause=CLAUSE_401 + "; securitySchemes x-audience; RFC 8707", applies="authenticated")
def wrong_audience(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: asks the token endpoint for a token with the operation's scopes for an audience
    that is none of the spec's ``x-audience`` (``--other-audience``, else the scheme's
    ``x-foreign-audience``, else a made-up one), and sends it. Not verified when the endpoint will
    not mint one.

    Why: without the audience check a token meant for an MCP server opens neuron/ too.
    """
    credentials.require_bearer(op)
    reasons = []
    for audience in other_audiences(neuron):
        try:
            token = neuron.tokens.token(op.scopes or (), audience=audience)
        except NotVerified as exc:
            reasons.append(exc.message)
            continue
        expect_401(_send(neuron, op, token), f"token for audience {audience!r}")
        return _refused(neuron, op, 1)
    raise NotVerified("the token endpoint minted no token for another audience"
                      + (f" ({reasons[0]})" if reasons else "")
                      + ": give --other-audience AUD, or declare x-foreign-audience on the security scheme, with an "
                        "audience your client may get tokens for that this API must refuse")


@NEURON_CHECKS.register("NEU-AUTH-006", "Token without the operation's scope: 403 insufficient_scope",
                        kind="refusal",
                        clause="components.responses.Forbidden; RFC 6750 section 3.1 (insufficient_scope, scope)",
                        applies="authenticated")
def missing_scope(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: sends a valid token holding every scope of the API except this operation's.

    Why: scopes are how engine/ limits what each service may ask of neuron/.

    Example: a ``neuron.chat`` token on ``/assess-risk`` must get ``403`` with
    ``WWW-Authenticate: Bearer error="insufficient_scope", scope="neuron.risk"``.
    """
    credentials.require_bearer(op)
    others = [s for s in neuron.spec.all_scopes if s not in set(op.scopes or ())]
    if not others:
        raise NotVerified(declarations.OTHER_SCOPE.reason)
    exchange = _send(neuron, op, neuron.tokens.token(others))
    if exchange.status == 401:
        raise NotVerified("the token without the operation's scope was refused as a token (401), so the "
                          "scope check could not be reached")
    if exchange.status not in (403, 429, None) and exchange.ok:
        raise fail(f"token without {list(op.scopes or ())}: expected 403, got {exchange.status}", exchange,
                   f"the token held the scopes {others} ($TOKEN in the reproduction)")
    if not expect_refusal(exchange, {403}, "token without the scope"):
        raise NotVerified(f"rate-limited/unanswered: the token without the scope got "
                          f"{exchange.status or exchange.error}")
    scheme, params = challenge(exchange.headers.get("www-authenticate", ""))
    if scheme != "bearer" or params.get("error") != "insufficient_scope":
        raise fail("403 without 'WWW-Authenticate: Bearer error=\"insufficient_scope\"'", exchange)
    examined = _refused(neuron, op, 1)
    if "scope" not in params:  # RFC 6750 section 3: the scope attribute MAY be sent; clients benefit from it
        raise RuleWarning("the insufficient_scope challenge does not name the scope needed (scope=...)",
                          evidence=exchange.evidence(), operation=op.label)
    return examined


@NEURON_CHECKS.register("NEU-AUTH-007", "Credentials are never reflected in responses or stream frames",
                        kind="audit", clause="conventions 9.1; RFC 6750 section 5.3 (tokens must not leak)",
                        tags=("audit",), applies="authenticated")
def no_reflection(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: sends a valid token, a forged one and a malformed one, and looks for them
    (or their signatures) in every header and body that came back, stream frames included; it
    then scans every exchange of the run so far with the operation.

    Why: an echoed token ends up in logs, browser consoles and bug reports.
    """
    credentials.require_bearer(op)
    tokens = ["contractkit-canary-" + secrets.token_hex(16)]
    tokens += [t for _, t in forged_tokens(neuron, op)]
    REDACTOR.add(tokens[0])
    probes = []
    for token in tokens:
        exchange = neuron.call(op, parts=neuron.reachable_request(op), token=token, auth=False)
        where = reflected(exchange, [token])
        if where:
            raise fail(f"a credential sent in Authorization came back in {where}", exchange)
        probes.append(exchange)
    answered = [e for e in probes if e.ok and e.status != 429]
    if not answered:
        raise NotVerified(f"rate-limited/unanswered: none of the {len(probes)} probes with credentials got an "
                          "answer other than 429")
    control = positive_control(neuron, op)  # an operation never served shows nothing by not echoing
    probes = distinct([control, *answered])
    earlier = [e for e in distinct(neuron.logged())
               if e.ok and e.operation == op.label and all(e is not p for p in probes)]
    for exchange in [control, *earlier]:
        sent = exchange.request_headers.get("authorization", "").partition(" ")[2]
        where = reflected(exchange, [sent]) if sent else None
        if where:
            raise fail(f"a credential sent in Authorization came back in {where}", exchange)
    unanswered = len(tokens) - len(answered)
    earlier = [e for e in earlier if e.status != 429]  # judged, but a 429 is no evidence
    return examined_of([*probes, *earlier], "answers", f"{len(probes)} probes with credentials (the valid token "
                       f"included), {len(earlier)} earlier answers of the run",
                       f"{unanswered} probes rate-limited or unanswered" if unanswered else "")
