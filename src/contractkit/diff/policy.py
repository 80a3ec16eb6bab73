"""Deprecation, sunset and stability policy: optional rules over the changes a diff found.

A diff says what a change does to clients; a policy says whether the API was allowed to make it.
With the rules on (``--deprecation-policy``, or a ``--policy-file``):

- ``removed-without-deprecation``: an operation, parameter, property, webhook or tool is removed
  that BASE did not mark ``deprecated: true``: clients had no warning.
- ``removed-before-sunset``: it was deprecated, but its sunset date (``x-sunset``, or the example
  of the ``Sunset`` response header, RFC 8594) is still in the future. Removed once deprecated and
  past its sunset (or deprecated with none announced), the removal is allowed: it is reported as
  ``OAS-POLICY-REMOVED-AFTER-DEPRECATION`` (non-breaking) in place of the removal. An ``x-sunset``
  that is not a date is ``OAS-POLICY-SUNSET-INVALID`` (breaking): nobody can plan by it.
- ``deprecated-without-sunset``: something is newly deprecated without a sunset date, so clients
  cannot plan.
- ``sunset-brought-forward`` (part of ``removed-before-sunset``): an operation or parameter still
  deprecated whose sunset date moved earlier or was deleted: clients planned for the old date.
- ``sunset-too-soon``: the sunset date of something newly deprecated leaves clients less time than
  its stability level promises (``min-sunset-days``: 180 days for ``stable``, 31 for ``beta``).
- ``stability``: operations carry ``x-stability-level`` (``draft`` < ``alpha`` < ``beta`` <
  ``stable``, the default): a breaking change that reaches only ``draft`` or ``alpha`` operations is
  allowed (reported as ``OAS-POLICY-UNSTABLE-CHANGE``, non-breaking, naming the change it replaces),
  lowering an operation's level is itself breaking, and a level outside the four is
  ``OAS-POLICY-STABILITY-INVALID`` (breaking).

The policy adds and replaces changes. A policy file's ``severity:`` sets the classification of
any change kind (``{OAS-RES-VARIANT-ADDED: possibly-breaking}``): the team's call, stated in review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractkit.diff.model import Change
from contractkit.diff.tree import Tree, join, parts
from contractkit.errors import ConfigError

RULES = ("removed-without-deprecation", "removed-before-sunset", "deprecated-without-sunset", "sunset-too-soon",
         "stability")
#: Days a newly deprecated operation must keep working, by stability level (oasdiff's defaults).
MIN_SUNSET_DAYS = {"stable": 180, "beta": 31, "alpha": 0, "draft": 0}
LEVELS = ("draft", "alpha", "beta", "stable")
#: Levels whose operations may change in any way (oasdiff's reading of x-stability-level).
UNSTABLE = ("draft", "alpha")
CLASSES = ("breaking", "possibly-breaking", "non-breaking")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REMOVALS = ("OAS-PATH-REMOVED", "OAS-OP-REMOVED", "OAS-PARAM-REMOVED", "OAS-WEBHOOK-REMOVED", "MCP-TOOL-REMOVED")
_DEPRECATIONS = ("OAS-OP-DEPRECATED", "OAS-PARAM-DEPRECATED", "MCP-TOOL-DEPRECATED")


@dataclass
class Policy:
    rules: frozenset[str] = field(default_factory=lambda: frozenset(RULES))
    today: dt.date = field(default_factory=dt.date.today)
    default_level: str = "stable"
    min_sunset_days: dict[str, int] = field(default_factory=lambda: dict(MIN_SUNSET_DAYS))
    severity: dict[str, str] = field(default_factory=dict)  # change id -> classification, set by the team

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """``rules: [...]`` (default: all), ``today: YYYY-MM-DD``, ``default-stability: stable``,
        ``min-sunset-days: {stable: 180, beta: 31}`` (or one number for every level), ``severity: {ID: class}``."""
        from contractkit.loading import load_document

        try:
            data = load_document(path, require_kind=False).data
        except Exception as exc:
            raise ConfigError(f"policy file {path}: {getattr(exc, 'message', exc)}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"policy file {path}: expected a mapping with `rules`")
        rules = data.get("rules", list(RULES))
        unknown = [r for r in rules if r not in RULES] if isinstance(rules, list) else [rules]
        if unknown:
            raise ConfigError(f"policy file {path}: unknown rules {unknown}; known: {', '.join(RULES)}")
        level = data.get("default-stability", "stable")
        if level not in LEVELS:
            raise ConfigError(f"policy file {path}: default-stability must be one of {', '.join(LEVELS)}")
        today = parse_date(data["today"]) if "today" in data else dt.date.today()
        if today is None:
            raise ConfigError(f"policy file {path}: `today` is not a date")
        days = dict(MIN_SUNSET_DAYS)
        raw = data.get("min-sunset-days", days)
        if isinstance(raw, int) and not isinstance(raw, bool):
            days = dict.fromkeys(LEVELS, raw)
        elif isinstance(raw, dict) and all(k in LEVELS and isinstance(v, int) for k, v in raw.items()):
            days.update(raw)
        else:
            raise ConfigError(f"policy file {path}: min-sunset-days must be a number of days, or days by level "
                              f"({', '.join(LEVELS)})")
        return cls(frozenset(rules), today, level, days, _severity(data.get("severity", {}), path))


def _severity(raw: Any, path: str | Path) -> dict[str, str]:
    """The ``severity:`` mapping of a policy file, every id registered and every value a classification."""
    from contractkit.diff.registry import CHANGE_KINDS

    if not isinstance(raw, dict):
        raise ConfigError(f"policy file {path}: severity must map change ids to {', '.join(CLASSES)}")
    known = {k.id for k in CHANGE_KINDS}
    for change_id, value in raw.items():
        if change_id not in known:
            raise ConfigError(f"policy file {path}: severity names {change_id!r}, which is no change kind "
                              "(`contractkit rules --kind diff` lists them)")
        if value not in CLASSES:
            raise ConfigError(f"policy file {path}: severity of {change_id} must be one of {', '.join(CLASSES)}, "
                              f"not {value!r}")
    return {str(k): str(v) for k, v in raw.items()}


def sunset_invalid(node: Any) -> bool:
    """An ``x-sunset`` is there but is not a date."""
    return isinstance(node, dict) and "x-sunset" in node and parse_date(node["x-sunset"]) is None


def parse_date(value: Any) -> dt.date | None:
    """An ISO date or date-time, or an HTTP-date (the ``Sunset`` header's form, RFC 8594 §3)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    import email.utils  # only when a date is not ISO: it pulls in half the mail package

    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def _deref(tree: Tree, pointer: str) -> Any:
    node = tree.get(pointer)
    return tree.deref(node, pointer)[0]


def sunset_of(node: Any) -> dt.date | None:
    """``x-sunset`` on the node, or for an operation the ``Sunset`` header one of its responses declares."""
    if not isinstance(node, dict):
        return None
    if "x-sunset" in node:
        return parse_date(node["x-sunset"])
    for response in (node.get("responses") or {}).values() if isinstance(node.get("responses"), dict) else ():
        headers = response.get("headers") if isinstance(response, dict) else None
        for name, header in (headers or {}).items() if isinstance(headers, dict) else ():
            if str(name).lower() == "sunset" and isinstance(header, dict):
                schema = header.get("schema") if isinstance(header.get("schema"), dict) else {}
                for value in (header.get("example"), schema.get("example"), schema.get("default"),
                              schema.get("const")):
                    if parse_date(value):
                        return parse_date(value)
    return None


def _unique(changes: list[Change]) -> list[Change]:
    """One change per (id, place): an invalid sunset is found by the deprecation and by the scan of HEAD."""
    seen: set[tuple[str, str]] = set()
    out = []
    for change in changes:
        key = (change.id, change.pointer if not change.id.endswith("SUNSET-INVALID") else
               change.pointer.removesuffix("/x-sunset").removesuffix("/deprecated"))
        if key not in seen:
            seen.add(key)
            out.append(change)
    return out


def _params(tree: Tree, op: dict) -> list[dict]:
    found = []
    for raw in op.get("parameters") if isinstance(op.get("parameters"), list) else ():
        node = tree.deref(raw, "")[0]
        if isinstance(node, dict):
            found.append(node)
    return found


def _deprecated(tree: Tree, node: Any) -> bool:
    if isinstance(node, dict) and "$ref" in node:
        node = tree.deref(node, "")[0]
    return isinstance(node, dict) and node.get("deprecated") is True


class PolicyChecker:
    def __init__(self, policy: Policy, base: Tree, head: Tree, kind: str) -> None:
        self.policy, self.base, self.head, self.kind = policy, base, head, kind
        self.prefix = "OAS" if kind == "openapi" else "MCP"  # ids: OAS-POLICY-* / MCP-POLICY-*

    def apply(self, changes: list[Change]) -> list[Change]:
        out: list[Change] = []
        levels = self._levels() if self.kind == "openapi" else {}
        stability = "stability" in self.policy.rules
        for change in changes:
            if stability and change.classification != "non-breaking" and change.operations and all(
                    levels.get(op, self.policy.default_level) in UNSTABLE for op in change.operations):
                out.append(self._unstable(change))
                continue
            if change.side == "base" and (change.id in _REMOVALS or change.id.endswith("PROPERTY-REMOVED")):
                out.extend(self._removal(change))
                continue
            out.append(change)
            unstable = stability and change.operations and all(
                levels.get(op, self.policy.default_level) in UNSTABLE for op in change.operations)
            if not unstable and (change.id in _DEPRECATIONS or (change.direction and change.id.endswith(
                    "-DEPRECATED"))):  # draft and alpha operations owe no notice either
                out.extend(self._deprecation(change, levels))
        if stability and levels:
            out.extend(self._stability_decreased())
        if self.kind == "openapi":
            out.extend(self._invalid(stability))
        if "removed-before-sunset" in self.policy.rules and self.kind == "openapi":
            out.extend(self._sunsets_moved())
        out = _unique(out)
        for change in out:
            if change.id in self.policy.severity:
                change.override = self.policy.severity[change.id]  # type: ignore[assignment]
        return sorted(out, key=Change.sort_key)

    def _derived(self, change: Change, change_id: str, message: str, **kw: Any) -> Change:
        derived = Change(change_id, message, change.pointer, side=change.side, head_pointer=change.head_pointer,
                         **kw)
        derived.operations = set(change.operations)
        return derived

    def _removal(self, change: Change) -> list[Change]:
        """The removal and what the policy says of it; the removal itself is replaced when it was allowed."""
        nodes = self._removed_nodes(change)
        if not nodes:
            return [change]
        what = change.message
        if not all(_deprecated(self.base, n) for n in nodes):
            if "removed-without-deprecation" in self.policy.rules:
                return [change, self._derived(change, f"{self.prefix}-POLICY-REMOVED-WITHOUT-DEPRECATION",
                                              f"{what}, but BASE did not mark it deprecated", before=change.id)]
            return [change]
        if "removed-before-sunset" not in self.policy.rules:
            return [change]
        if any(sunset_invalid(n) for n in nodes):
            bad = next(n["x-sunset"] for n in nodes if sunset_invalid(n))
            return [change, self._derived(change, f"{self.prefix}-POLICY-SUNSET-INVALID",
                                          f"{what}: its x-sunset {str(bad)[:40]!r} is not a date, so whether it "
                                          "was due cannot be told", before=str(bad))]
        sunsets = [s for s in (sunset_of(n) for n in nodes) if s is not None]
        if sunsets and max(sunsets) > self.policy.today:
            return [change, self._derived(change, f"{self.prefix}-POLICY-REMOVED-BEFORE-SUNSET",
                                          f"{what} before its sunset date {max(sunsets).isoformat()}",
                                          before=max(sunsets).isoformat())]
        when = f"its sunset date {max(sunsets).isoformat()} has passed" if sunsets else "it announced no sunset date"
        return [self._derived(change, f"{self.prefix}-POLICY-REMOVED-AFTER-DEPRECATION",
                              f"{change.id}: {what} (allowed: BASE deprecated it and {when})", before=change.id)]

    def _removed_nodes(self, change: Change) -> list[Any]:
        node = _deref(self.base, change.pointer)
        if change.id == "OAS-PATH-REMOVED":
            return [node[m] for m in METHODS if isinstance(node, dict) and isinstance(node.get(m), dict)]
        if change.id == "OAS-WEBHOOK-REMOVED" and isinstance(node, dict):
            ops = [node[m] for m in METHODS if isinstance(node.get(m), dict)]
            return ops or [node]
        if change.pointer.rsplit("/", 2)[-2:-1] != ["properties"] and change.direction:
            return []  # a property that was only named in `required`: nothing to have been marked
        return [node] if node is not None else []

    def _deprecation(self, change: Change, levels: dict[str, str]) -> list[Change]:
        pointer = change.pointer
        if parts(pointer)[-1:] == ["deprecated"]:
            pointer = pointer.rsplit("/", 1)[0]
        node = _deref(self.head, pointer)
        if sunset_invalid(node):
            if "removed-before-sunset" not in self.policy.rules:
                return []
            return [self._derived(change, f"{self.prefix}-POLICY-SUNSET-INVALID",
                                  f"{change.message}: its x-sunset {str(node['x-sunset'])[:40]!r} is not a date",
                                  after=str(node["x-sunset"]))]
        sunset = sunset_of(node)
        if sunset is None:
            if "deprecated-without-sunset" not in self.policy.rules:
                return []
            return [self._derived(change, f"{self.prefix}-POLICY-DEPRECATED-WITHOUT-SUNSET",
                                  f"{change.message}, without a sunset date (`x-sunset` or a `Sunset` header)")]
        if "sunset-too-soon" not in self.policy.rules:
            return []
        ops = change.operations or {""}
        needed = max(self.policy.min_sunset_days.get(levels.get(op, self.policy.default_level), 0) for op in ops)
        if (sunset - self.policy.today).days >= needed:
            return []
        return [self._derived(change, f"{self.prefix}-POLICY-SUNSET-TOO-SOON",
                              f"{change.message}, sunset {sunset.isoformat()}: less than the {needed} days its "
                              "stability level promises", after=sunset.isoformat())]

    def _unstable(self, change: Change) -> Change:
        return self._derived(change, f"{self.prefix}-POLICY-UNSTABLE-CHANGE", f"{change.id}: {change.display} "
                             "(allowed: only draft or alpha operations are reached)", before=change.id)

    def _invalid(self, stability: bool) -> list[Change]:
        """HEAD's operations and parameters whose ``x-stability-level`` or ``x-sunset`` cannot be read."""
        out = []
        sunsets = "removed-before-sunset" in self.policy.rules
        for label, (op, ptr) in self._operations(self.head).items():
            level = op.get("x-stability-level")
            if stability and "x-stability-level" in op and level not in LEVELS:
                change = Change("OAS-POLICY-STABILITY-INVALID", f"x-stability-level {str(level)[:40]!r} is none of "
                                f"{', '.join(LEVELS)}", join(ptr, "x-stability-level"), after=str(level))
                change.operations.add(label)
                out.append(change)
            places = [(op, ptr)] + [(p, join(ptr, "parameters", i)) for i, p in enumerate(_params(self.head, op))]
            for node, where in places if sunsets else ():
                if sunset_invalid(node):
                    change = Change("OAS-POLICY-SUNSET-INVALID", f"x-sunset {str(node['x-sunset'])[:40]!r} is not a "
                                    "date (ISO 8601, or an HTTP-date)", join(where, "x-sunset"),
                                    after=str(node["x-sunset"]))
                    change.operations.add(label)
                    out.append(change)
        return out

    def _operations(self, tree: Tree) -> dict[str, tuple[dict, str]]:
        found: dict[str, tuple[dict, str]] = {}
        paths = tree.data.get("paths") if isinstance(tree.data, dict) else None
        for path, item in (paths or {}).items() if isinstance(paths, dict) else ():
            item, ptr = tree.deref(item, join("/paths", path))
            for m in METHODS:
                if isinstance(item, dict) and isinstance(item.get(m), dict):
                    found[f"{m.upper()} {path}"] = (item[m], join(ptr, m))
        return found

    def _level(self, op: dict) -> str:
        """The operation's level; one that is not a level counts as the default (and is reported)."""
        level = op.get("x-stability-level")
        return level if level in LEVELS else self.policy.default_level

    def _levels(self) -> dict[str, str]:
        levels = {label: self._level(op) for label, (op, _) in self._operations(self.base).items()}
        levels.update({label: self._level(op) for label, (op, _) in self._operations(self.head).items()})
        return levels

    def _sunsets_moved(self) -> list[Change]:
        """Operations and parameters deprecated on both sides whose sunset moved earlier or vanished."""
        base_ops = self._operations(self.base)
        out = []
        for label, (op, ptr) in self._operations(self.head).items():
            if label not in base_ops:
                continue
            b_op = base_ops[label][0]
            pairs = [(b_op, op, ptr, "operation")]
            b_params = {(p.get("in"), p.get("name")): p for p in _params(self.base, b_op)}
            for i, param in enumerate(_params(self.head, op)):
                key = (param.get("in"), param.get("name"))
                if key in b_params:
                    pairs.append((b_params[key], param, join(ptr, "parameters", i), f"parameter `{key[1]}`"))
            for old, new, where, what in pairs:
                if not (_deprecated(self.base, old) and _deprecated(self.head, new)):
                    continue
                before, after = sunset_of(old), sunset_of(new)
                if before is not None and (after is None or after < before):
                    change = Change("OAS-POLICY-SUNSET-BROUGHT-FORWARD", f"{what} sunset {before.isoformat()} -> "
                                    f"{after.isoformat() if after else 'none'}", where,
                                    before=before.isoformat(), after=after.isoformat() if after else None)
                    change.operations.add(label)
                    out.append(change)
        return out

    def _stability_decreased(self) -> list[Change]:
        base_ops = self._operations(self.base)
        out = []
        for label, (op, ptr) in self._operations(self.head).items():
            if label in base_ops:
                old, new = self._level(base_ops[label][0]), self._level(op)
                if LEVELS.index(new) < LEVELS.index(old) and old not in UNSTABLE:  # alpha -> draft: still unstable
                    change = Change("OAS-POLICY-STABILITY-DECREASED", f"stability level {old} -> {new}",
                                    join(ptr, "x-stability-level"), before=old, after=new)
                    change.operations.add(label)
                    out.append(change)
        return out
