"""MCP protocol versions and what each era lacks, so an older server is verified on what it offers.

A server's era is the latest version its spec entry declares (``protocol_versions``), or, when
the spec declares none, the version its session negotiated. A rule whose duty the era does not
have is "not verified: <era> has no <feature>", never failed: a 2025-03-26 server is not wrong
for lacking RFC 9728 metadata, which arrived in 2025-06-18.
"""

from __future__ import annotations

from typing import Any

from contractkit.conformance.outcomes import NotVerified

HANDSHAKE = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")  # negotiated through initialize
MODERN = "2026-07-28"  # the stateless revision: server/discover, no initialize
KNOWN = (*HANDSHAKE, MODERN)

# feature -> (the first version that has it, what it is)
SINCE: dict[str, tuple[str, str]] = {
    "streamable_http": ("2025-03-26", "the streamable HTTP transport (and its Origin validation duty)"),
    "annotations": ("2025-03-26", "tool annotations (readOnlyHint, openWorldHint, ...)"),
    "resource_metadata": ("2025-06-18", "OAuth protected-resource metadata (RFC 9728) and audience-bound "
                                        "tokens (RFC 8707)"),
    "structured_content": ("2025-06-18", "outputSchema and structuredContent"),
    "challenge_scope": ("2025-11-25", "the scope parameter in the 401 challenge"),
}


def era_of(declared: tuple[str, ...], negotiated: str | None) -> str | None:
    """The server's era: its latest declared version, else the negotiated one (None if unknown)."""
    known = sorted(v for v in declared if v in KNOWN)
    return known[-1] if known else negotiated


def lacks(era: str | None, feature: str) -> str | None:
    """Why ``era`` has no ``feature`` (the not-verified reason), or None when it has it (or is unknown)."""
    since, what = SINCE[feature]
    if era is None or era >= since:
        return None
    return f"the server's protocol era is {era}, which has no {what} (since {since})"


def require(target: Any, feature: str) -> None:
    """Raise ``NotVerified`` when the target's era lacks ``feature``."""

    reason = lacks(target.era(), feature)
    if reason:
        raise NotVerified(reason)
