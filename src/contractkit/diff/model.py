"""What a diff produces: changes (one kind each, with its place) and the report around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Classification = Literal["breaking", "possibly-breaking", "non-breaking"]
Direction = Literal["request", "response"]

#: Most serious first; the order of summaries, tables and ``--fail-on`` thresholds.
CLASSIFICATIONS: tuple[Classification, ...] = ("breaking", "possibly-breaking", "non-breaking")

#: The registry's severity field carries the classification.
SEVERITY_OF: dict[Classification, str] = {"breaking": "error", "possibly-breaking": "warning", "non-breaking": "info"}
CLASSIFICATION_OF_SEVERITY: dict[str, Classification] = {v: k for k, v in SEVERITY_OF.items()}  # type: ignore[misc]

#: Schema change id prefix -> the direction its schemas travel in.
PREFIX_DIRECTION: dict[str, Direction] = {
    "OAS-REQ": "request", "OAS-RES": "response", "MCP-PARAM": "request", "MCP-RETURN": "response",
}

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


@dataclass(eq=False)
class Change:
    """One change between the two specs, of one registered kind, at one place.

    ``pointer`` is where the changed thing is: in HEAD when it exists there, else in BASE
    (``side`` says which). ``head_pointer`` is the nearest node of HEAD (the changed node, or the
    container something was removed from), which is what ``location`` (file:line:column) places.
    A change in a shared component is reported once, with every operation it reaches.
    """

    id: str
    message: str
    pointer: str
    side: Literal["base", "head"] = "head"
    head_pointer: str | None = None
    direction: Direction | None = None
    before: Any = MISSING
    after: Any = MISSING
    operations: set[str] = field(default_factory=set)
    location: tuple[str, int, int] | None = None
    #: The classification a policy file sets for this kind (``severity:``), instead of the registry's.
    override: Classification | None = None

    @property
    def classification(self) -> Classification:
        if self.override is not None:
            return self.override
        from contractkit.diff.registry import classification_of

        return classification_of(self.id)

    @property
    def title(self) -> str:
        from contractkit.diff.registry import CHANGE_KINDS

        return CHANGE_KINDS.get(self.id).title

    @property
    def operation(self) -> str | None:
        """The first operation (sorted) the change reaches, for one-line displays."""
        return min(self.operations) if self.operations else None

    @property
    def subject(self) -> str:
        """What changed, readably: ``ChatRequest.message``, ``request body.items[]``, ``query parameter``..."""
        return subject_of(self.pointer)

    @property
    def display(self) -> str:
        """The message, prefixed by the subject when there is one."""
        subject = self.subject if self.direction else ""  # only schema changes need to say which field
        return f"{subject}: {self.message}" if subject else self.message

    def where(self) -> str:
        if self.location:
            name, line, col = self.location
            return f"{name}:{line}:{col}"
        return f"#{self.pointer}"

    def sort_key(self) -> tuple[int, str, str, str]:
        return (CLASSIFICATIONS.index(self.classification), self.operation or "~", self.pointer, self.id)


@dataclass
class SpecSide:
    """One side of the comparison, as the report names it."""

    name: str
    version: str | None
    title: str | None = None


@dataclass
class Gate:
    """The semver verdict: which bump the changes need, which one was made, and whether that holds."""

    fail_on: str
    required_bump: str  # "major" | "minor" | "none"
    actual_bump: str  # "major" | "minor" | "patch" | "none" | "downgrade" | "unknown"
    passed: bool
    reason: str


@dataclass
class DiffReport:
    kind: Literal["openapi", "mcp-servers"]
    base: SpecSide
    head: SpecSide
    changes: list[Change]
    gate: Gate | None = None
    notes: list[str] = field(default_factory=list)

    def count(self, classification: Classification) -> int:
        return sum(1 for c in self.changes if c.classification == classification)

    @property
    def summary(self) -> dict[str, int]:
        return {c: self.count(c) for c in CLASSIFICATIONS}


def subject_of(pointer: str) -> str:
    """A short dotted name for the schema place a pointer names (empty outside schemas)."""
    file, _, inner = pointer.partition("#") if pointer and not pointer.startswith("/") else ("", "", pointer)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in inner.split("/")[1:]]
    name, path, i = "", [], 0
    if file and tokens and tokens[0] not in ("components", "$defs", "definitions", "paths"):
        name, i = tokens[0], 1  # a schema file's top-level key names the schema
    while i < len(tokens):
        t = tokens[i]
        if t in ("schemas", "$defs") and i + 1 < len(tokens):
            name, path, i = tokens[i + 1], [], i + 2
            continue
        if t == "requestBody" and not name:
            name, path = "request body", []
        elif t == "responses" and i + 1 < len(tokens) and not name:
            name, path = f"response {tokens[i + 1]}", []
            i += 2
            continue
        elif t == "parameters" and not name:
            name, path = "parameter", []
        elif t == "schema" and not name:
            name, path = "schema", []
        elif t in ("properties", "x-sse-events") and i + 1 < len(tokens):
            path.append(tokens[i + 1])
            i += 2
            continue
        elif t == "items" and (path or name):
            path.append("[]")
        i += 1
    if not name and not path:
        return ""
    return ".".join([name, *path]).replace(".[]", "[]") if name else ".".join(path)
