"""Keep secrets out of everything the suite prints or writes.

Two nets: the exact secrets this run knows (every token it minted, the client secret), and
patterns for credentials it did not mint (bearer values, JWT-shaped strings, basic auth, secret
form fields). Reports, curl commands and failure messages all pass through ``redact``.
"""

from __future__ import annotations

import re
import threading

MASK = "[REDACTED]"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/=-]{8,})"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    re.compile(r"(?i)(client_secret|access_token|refresh_token|password|api[_-]?key)(\"?\s*[=:]\s*\"?)[^&\s\"',;]+"),
)


class Redactor:
    """Masks known secrets and credential-shaped strings; thread-safe, shared by one run."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Remember a secret so that it is masked wherever it appears, even unlabelled."""
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        if not text:
            return text
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(_mask_credential, text)
        text = _PATTERNS[1].sub(MASK, text)
        text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        return text


def _mask_credential(match: re.Match[str]) -> str:
    """``Bearer <value>``: mask values that look like credentials, not words ("Bearer challenge")."""
    value = match.group(2)
    if len(value) >= 16 or re.search(r"[0-9._~+/=]", value):
        return f"{match.group(1)} {MASK}"
    return match.group(0)


REDACTOR = Redactor()
"""The process-wide redactor: tokens minted by any run are added to it and never forgotten."""


def redact(text: str) -> str:
    return REDACTOR.redact(text)
