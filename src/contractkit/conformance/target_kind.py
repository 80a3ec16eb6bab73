"""What a kind of live target must provide to the plugin: how to reach it and what its rules are
checked on. A kind module (``neuron/kind.py``, ``mcp/kind.py``) builds one; ``kinds.py`` lists them.
It lives apart from that list so that a kind module can build one without importing the others."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from contractkit.conformance.options import VerifyOptions
from contractkit.registry import Registry


@dataclass(frozen=True)
class TargetKind:
    """One kind of target: its registry and how the plugin reaches it and enumerates subjects."""

    name: str
    registry: Registry
    preflight: Callable[[VerifyOptions], None]
    open_target: Callable[[VerifyOptions], AbstractContextManager[Any]]
    subjects: Callable[[str, VerifyOptions], list[Any]]
    describe_selector: Callable[[str], str]
    # (rule id, subject, options) -> the declaration the spec lacks for that case, named for the user, or None
    gap: Callable[[str, Any, VerifyOptions], str | None] = lambda rule_id, subject, options: None
