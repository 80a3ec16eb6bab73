"""Cost and fault-injection extensions: OAS-052 (x-pricing) and OAS-053 (x-fault-injection)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.loading import pointer_join


def _model_tiers(ctx: LintContext) -> set[str]:
    """Every value a `model_tier` property may take, and every tier an x-ai-operation defaults to."""
    tiers: set[str] = set()
    for node in ctx.nodes:
        if node.key == "properties" and "model_tier" in node.value:
            schema = ctx.deref(node.value["model_tier"])
            if isinstance(schema, dict) and isinstance(schema.get("enum"), list):
                tiers.update(str(v) for v in schema["enum"])
        ai = node.value.get("x-ai-operation")
        if isinstance(ai, dict) and isinstance(ai.get("default_model_tier"), str):
            tiers.add(ai["default_model_tier"])
    return tiers


@LINT_RULES.register(
    "OAS-052",
    "x-pricing prices every model tier",
    clause="conventions 4.1 (`cost_usd` priced as x-pricing says); docs/extensions.md (x-pricing)",
    tags=("openapi",),
)
def pricing_covers_tiers(ctx: LintContext) -> Iterator[Hit]:
    """What it does: when the document declares `x-pricing`, checks that `usd_per_1k_tokens` maps
    tiers to non-negative numbers and prices every model tier the document uses (the `enum` of
    every `model_tier` property and every `x-ai-operation.default_model_tier`).

    Why: `cost_usd` is derived from this table; a tier without a price is an answer whose cost
    nobody can check, and a negative price is a typo that turns cost into credit.

    Example: `model_tier` may be `advanced` but `usd_per_1k_tokens` lists only `lightweight` and
    `balanced`.
    """
    pricing = ctx.data.get("x-pricing")
    if pricing is None:
        return
    table = pricing.get("usd_per_1k_tokens") if isinstance(pricing, dict) else None
    if not isinstance(table, dict):
        yield Hit("/x-pricing", "x-pricing.usd_per_1k_tokens must map model tiers to prices")
        return
    for tier, price in table.items():
        if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
            yield Hit(pointer_join("/x-pricing", "usd_per_1k_tokens", tier), f"price of {tier!r} must be a number >= 0")
    missing = sorted(_model_tiers(ctx) - {str(t) for t in table})
    if missing:
        yield Hit("/x-pricing/usd_per_1k_tokens", f"no price for model tier(s) {', '.join(missing)}")


@LINT_RULES.register(
    "OAS-053",
    "x-fault-injection declares its header and modes",
    clause="conventions 4.4 (the fault-injection hook a staging neuron/ may enable, off unless enabled)",
    tags=("openapi",),
)
def fault_injection_declared(ctx: LintContext) -> Iterator[Hit]:
    """What it does: when the document declares `x-fault-injection`, checks that it names the
    request `header` that selects a fault, how it is `enabled_by` (it must be off by default),
    and a non-empty map of `modes` with a description each.

    Why: the conformance suite causes provider failures on staging targets through this hook; a
    hook without a header or modes cannot be driven, and one without an enabling switch is a
    production risk.

    Example: `x-fault-injection: {modes: {provider_error: ...}}` with no `header`.
    """
    hook = ctx.data.get("x-fault-injection")
    if hook is None:
        return
    if not isinstance(hook, dict):
        yield Hit("/x-fault-injection", "x-fault-injection must be an object")
        return
    for key in ("header", "enabled_by"):
        if not isinstance(hook.get(key), str) or not hook[key].strip():
            yield Hit("/x-fault-injection", f"x-fault-injection.{key} is missing (a non-empty string)")
    modes: Any = hook.get("modes")
    if not isinstance(modes, dict) or not modes:
        yield Hit(
            pointer_join("/x-fault-injection", "modes") if "modes" in hook else "/x-fault-injection",
            "x-fault-injection.modes must map each fault mode to its description",
        )
        return
    for name, text in modes.items():
        text = text.get("description") if isinstance(text, dict) else text
        if not isinstance(text, str) or not text.strip():
            yield Hit(pointer_join("/x-fault-injection", "modes", name), f"fault mode {name!r} has no description")
