"""The double's defect switches, each with the rules that must fail when it is played and the rules
that may fail with them (a defect that breaks a schema breaks the schema rule too). A rule outside
both sets failing is a false verdict of the suite; a must-rule passing is a defect it missed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Catch:
    must: frozenset[str]
    may: frozenset[str] = frozenset()


def _c(must: str, may: str = "") -> Catch:
    return Catch(frozenset(must.split()), frozenset(may.split()))


AUTH_ALL = "NEU-AUTH-001 NEU-AUTH-002 NEU-AUTH-003 NEU-AUTH-004 NEU-AUTH-005 NEU-AUTH-006"
#: behaviour switched off (contractkit.double.behaviours) -> the rules that catch it
DEFECTS: dict[str, Catch] = {
    "authenticate": _c(AUTH_ALL, "NEU-WS-001"),
    "enforce_scope": _c("NEU-AUTH-006", "NEU-WS-001"),
    "scope_every_operation": _c("NEU-AUTH-006"),
    "check_audience": _c("NEU-AUTH-005", "NEU-WS-001"),
    "check_expiry": _c("NEU-AUTH-004", "NEU-WS-001"),
    "ws_authenticate": _c("NEU-WS-001"),
    "keep_credentials_private": _c("NEU-AUTH-007"),
    "rate_limit": _c("NEU-RL-001"),
    "retry_after": _c("NEU-RL-001", "NEU-FB-001"),
    "price_usage": _c("NEU-USE-001", "NEU-USE-002"),
    "report_usage": _c("NEU-USE-001", "NEU-SCH-001 NEU-SCH-004 NEU-USE-002 NEU-FB-001"),
    "validate_input": _c("NEU-SCH-006", "NEU-ERR-003 NEU-SCH-001"),  # an answer built from invalid input
    "refuse_invalid_cleanly": _c("NEU-ERR-003", "NEU-SCH-006 NEU-SCH-002"),
    "known_subjects": _c("NEU-ERR-004"),
    "hide_internals": _c("NEU-ERR-002", "NEU-ERR-001"),
    "complete_errors": _c("NEU-ERR-001"),
    "keep_deadline": _c("NEU-FB-002"),
    "degrade_readiness": _c("NEU-FB-003"),
    "mark_fallback": _c("NEU-FB-001", "NEU-FB-002"),
    "terminal_frame": _c("NEU-SSE-002 NEU-WS-002", "NEU-FB-001 NEU-FB-002 NEU-SSE-003 NEU-WS-003"),
    "error_on_interrupt": _c("NEU-SSE-003 NEU-WS-003", "NEU-USE-002"),
    "declared_frame_fields": _c("NEU-SSE-001 NEU-WS-002", "NEU-WS-003"),
    "stream_usage_matches": _c("NEU-USE-002"),
    "declared_headers": _c("NEU-SCH-004"),
    "success_schema": _c("NEU-SCH-001", "NEU-FB-001 NEU-USE-002"),
    "declared_media": _c("NEU-SCH-003"),
    "declared_success": _c("NEU-SCH-002", "NEU-FB-001"),
    "accept_valid": _c("NEU-SCH-005"),
}

#: NEU rules no defect of the double plays yet, and why (each one a gap of the property, not a pass)
UNPLAYED: dict[str, str] = {}
