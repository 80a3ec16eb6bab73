"""The contract's behaviours the double keeps, by name: each one can be switched off to play a
defect (a scope not enforced, a cost mispriced, a 429 without Retry-After, ...).

The double asks ``keeps(name)`` wherever it keeps one; a test of the suite turns a behaviour off
and expects the rule that judges it to fail.
"""

from __future__ import annotations

BEHAVIOURS: dict[str, str] = {
    "authenticate": "a request without a valid token for the spec's audience gets 401 with a Bearer challenge",
    "enforce_scope": "a token without the operation's scopes gets 403 insufficient_scope",
    "rate_limit": "requests past x-rate-limit get 429",
    "retry_after": "429 and 503 answers carry Retry-After",
    "price_usage": "usage is priced by x-pricing at the answer's tier",
    "validate_input": "invalid parameters and bodies get the spec's error status",
    "known_subjects": "an entity that is not known gets the subject's not_found_status",
    "keep_deadline": "a provider timeout is answered with the fallback within the deadline",
    "terminal_frame": "every stream ends with exactly one terminal frame",
    "degrade_readiness": "readiness reports degraded after a provider failure until an answer succeeds",
    "mark_fallback": "a degraded answer says so where the spec's fallback marker is",
    "scope_every_operation": "the scope check covers every operation (off: the first scoped AI operation skips it)",
    "check_audience": "a token minted for another audience is refused",
    "check_expiry": "an expired token is refused",
    "ws_authenticate": "a WebSocket closes with the failure code on a bad or missing token",
    "keep_credentials_private": "no answer carries the caller's Authorization value",
    "hide_internals": "error bodies carry no stack trace",
    "complete_errors": "error bodies carry every required member of the error schema",
    "refuse_invalid_cleanly": "invalid input is refused with a 4xx, never a 500",
    "report_usage": "whole AI answers (and done jobs) carry their usage, in the body or in headers",
    "error_on_interrupt": "a stream the provider cuts ends with the error frame, never the ending frame",
    "declared_frame_fields": "stream frames carry only the members their schema declares",
    "stream_usage_matches": "a streamed answer reports the usage of the same answer given whole",
    "declared_headers": "answers carry the response headers the spec declares",
    "success_schema": "whole AI answers carry every member their schema requires (off: the answer text is left out)",
    "declared_media": "answers are served as the media type the spec declares (off: text/plain)",
    "declared_success": "a success is answered with the 2xx status the operation declares (off: the first whole "
                        "answer operation answers every success with a 2xx it does not declare)",
    "accept_valid": "every valid request is served (off: the first operation whose request example carries an "
                    "optional member refuses a valid body without it, with its invalid-input status)",
}


def check_defects(names: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """The behaviours switched off, by name; ValueError naming an unknown one."""
    unknown = sorted(set(names) - set(BEHAVIOURS))
    if unknown:
        raise ValueError(f"unknown behaviour {unknown[0]!r}; known: {', '.join(BEHAVIOURS)}")
    return frozenset(names)
