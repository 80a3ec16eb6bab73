"""Money: the pricing tiers (names, prices, rounding) and where usage reports its token count and cost."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import rename_keys, replace_strings, schema, walk


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    money = shape.money
    cheap, dear = money.tiers
    data = replace_strings(data, {"mini": cheap, "pro": dear})
    pricing: dict[str, Any] = {"currency": "USD", "usd_per_1k_tokens": {cheap: money.usd_per_1k[0],
                                                                         dear: money.usd_per_1k[1]}}
    if money.rounding_decimals is not None:
        pricing["rounding_decimals"] = money.rounding_decimals
    data["x-pricing"] = pricing
    fields = {"tokens": money.tokens_field, "cost_usd": money.cost_field}
    usage = schema(data, "Usage")
    data = rename_keys(data, fields, lambda d: set(d) <= {"tokens", "cost_usd"} and "cost_usd" in d)
    usage = schema(data, "Usage")
    usage["properties"] = {fields.get(k, k): v for k, v in usage["properties"].items()}
    usage["required"] = [fields[k] for k in usage["required"]]
    pointers = {f"/usage/{old}": f"/usage/{new}" for old, new in fields.items()}
    data = walk(data, lambda v: pointers.get(v, v) if isinstance(v, str) else v)
    return _priced_examples(data, shape)


def _priced_examples(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """Every example's cost recomputed from its token count and tier at the chosen prices."""
    money = shape.money
    prices = dict(zip(money.tiers, money.usd_per_1k, strict=True))

    def edit(value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("usage"), dict) and isinstance(value.get("model"), str) \
                and value["model"] in prices:
            usage = value["usage"]
            tokens = usage.get(money.tokens_field)
            if isinstance(tokens, int):
                cost = tokens * prices[value["model"]] / 1000
                if money.rounding_decimals is not None:
                    cost = round(cost, money.rounding_decimals)
                usage[money.cost_field] = cost
        return value
    return walk(data, edit)
