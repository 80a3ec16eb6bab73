"""Detectors for internals that must never reach a client: each a named pattern with its own tests.

They look at error answers (and stream error frames). A detector must catch the leak it names
on any stack (Python, Java, Node, Go, .NET) without firing on the ordinary words of a problem
body ("Validation failed", "validation_error", "Internal Server Error").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LeakDetector:
    name: str
    pattern: re.Pattern[str]

    def find(self, text: str, echoed: str = "") -> str | None:
        """The first match that is not merely an echo of what the client sent (``echoed``)."""
        for match in self.pattern.finditer(text):
            if not (echoed and match.group(0) in echoed):
                return match.group(0)[:120]
        return None


DETECTORS: tuple[LeakDetector, ...] = (
    LeakDetector("stack trace", re.compile(
        r"Traceback \(most recent call last\)"
        r"|File \"[^\"]+\", line \d+"
        r"|\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)"
        r"|\bat (?:[\w$.<>]+ )?\(?(?:/|[A-Za-z]:\\|file:)[^\s()]+:\d+:\d+\)?"
        r"|goroutine \d+ \[[a-z ]+\]:"
        r"|\bat [\w.]+\.[\w<>]+\(.*\) in [^\s]+:line \d+")),
    LeakDetector("exception name", re.compile(
        r"\b(?:[a-z_][a-z0-9_]*\.)*(?:[A-Z][a-z0-9]+|[A-Z]{2,}(?=[A-Z][a-z]))+(?:Error|Exception|Exit|Interrupt)\b"
        r"(?!\s*(?:code|codes)\b)")),
    LeakDetector("file path", re.compile(
        r"(?:(?<![\w.])/(?:[\w.@-]+/)+[\w.@-]+\.(?:py|pyc|js|mjs|ts|go|java|rb|php|cs|rs)\b)"
        r"|(?:\b[A-Za-z]:\\(?:[\w. -]+\\)+[\w. -]+\.\w{1,4}\b)"
        r"|site-packages/|node_modules/|/usr/lib/python\d")),
    LeakDetector("secret", re.compile(
        r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"
        r"|\bAKIA[0-9A-Z]{16}\b"
        r"|-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----"
        r"|\b(?:api[_-]?key|client_secret|password)\b[\"']?\s*[=:]\s*[\"']?[^\s\"',}]{6,}"
        r"|\bxox[bp]-[A-Za-z0-9-]{10,}"
        r"|\bgh[pousr]_[A-Za-z0-9]{30,}", re.IGNORECASE)),
    LeakDetector("prompt", re.compile(
        r"(?i)\bsystem prompt\b|<\|im_start\|>|\[INST\]|<<SYS>>|\"role\"\s*:\s*\"system\""
        r"|\byou are an? (?:helpful|ai|assistant|expert|analyst)\b")),
)


def find_leaks(text: str, known_secrets: Iterable[str] = (), echoed: str = "") -> list[tuple[str, str]]:
    """(detector name, the offending excerpt) for every detector that fires on ``text``.

    ``echoed`` is what the client sent: a validation message quoting the caller's own input
    ("'FooError' is not a valid tier") reveals nothing about the server.
    """
    found = []
    for detector in DETECTORS:
        hit = detector.find(text, echoed)
        if hit:
            found.append((detector.name, hit))
    for secret in known_secrets:
        if len(secret) >= 8 and secret in text:
            found.append(("secret", "a secret known to this run"))
            break
    return found
