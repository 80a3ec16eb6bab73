"""Money: the pricing tiers (names, prices, rounding), where usage reports its token count and cost
(the usage object, nested deeper, or response headers), and where the tier that prices an answer
is found (an answer's field, a stream's opening or ending frame, the default tier, the only tier)."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import TEMPLATE_PATHS, operation, rename_keys, replace_strings, schema, walk

ENDING_FRAMES = ("StreamComplete", "StreamFailed", "LiveComplete", "LiveFailed")


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    money = shape.money
    cheap, dear = money.tiers
    only = money.tier_source == "only"
    data = replace_strings(data, {"mini": cheap, "pro": cheap if only else dear})
    rates = {cheap: money.usd_per_1k[0]} if only else {cheap: money.usd_per_1k[0], dear: money.usd_per_1k[1]}
    pricing: dict[str, Any] = {"currency": "USD", "usd_per_1k_tokens": rates}
    if money.rounding_decimals is not None:
        pricing["rounding_decimals"] = money.rounding_decimals
    data["x-pricing"] = pricing
    fields = {"tokens": money.tokens_field, "cost_usd": money.cost_field}
    usage = schema(data, "Usage")
    data = rename_keys(data, fields, lambda d: set(d) <= {"tokens", "cost_usd"} and "cost_usd" in d)
    usage = schema(data, "Usage")
    usage["properties"] = {fields.get(k, k): v for k, v in usage["properties"].items()}
    usage["required"] = [fields[k] for k in usage["required"]]
    tails = {f"/usage/{old}": f"/usage/{new}" for old, new in fields.items()}

    def repoint(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("/"):
            for old, new in tails.items():
                if value.endswith(old):
                    return value[: -len(old)] + new
        return value
    data = walk(data, repoint)
    _risk_usage(data, shape)
    data = _tier_source(data, shape)
    return _priced_examples(data, shape)


def _risk_usage(data: dict[str, Any], shape: Shape) -> None:
    """The risk answer's usage where the shape puts it: the usage object, one object deeper, or headers."""
    money = shape.money
    if money.risk_usage == "usage":
        return
    _, op = operation(data, TEMPLATE_PATHS["risk"])
    answer = schema(data, "ChurnRisk")
    usage_schema = answer["properties"].pop("usage")
    answer["required"] = [k for k in answer["required"] if k != "usage"]
    response = op["responses"]["200"]
    example = response["content"]["application/json"]["example"]
    usage_example = example.pop("usage")
    tokens, cost = money.risk_usage_at
    if money.risk_usage == "nested":
        outer, inner = tokens.strip("/").split("/")[:2]
        answer["properties"][outer] = {"type": "object", "additionalProperties": False, "required": [inner],
                                       "properties": {inner: usage_schema}}
        answer["required"].append(outer)
        example[outer] = {inner: usage_example}
    else:
        response["headers"][tokens.removeprefix("header:")] = {
            "description": "The tokens this answer used.", "required": True,
            "schema": {"type": "integer", "minimum": 0}}
        response["headers"][cost.removeprefix("header:")] = {
            "description": "What this answer cost, in USD.", "required": True,
            "schema": {"type": "number", "minimum": 0}}
    op["x-ai-operation"]["usage"].update({"token_count": tokens, "cost_usd": cost})


def _tier_source(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """Where the tier that prices an answer is: ``model_tier`` pointers (a stream's in its opening or
    its ending frame), else each operation's ``default_model_tier``, else the one tier of x-pricing."""
    money = shape.money
    if money.tier_source == "pointer":
        if money.stream_tier_frame == "opening":
            for name in ENDING_FRAMES:
                frame = schema(data, name)
                frame["properties"].pop("model")
                frame["required"] = [k for k in frame["required"] if k != "model"]
            for ws in data["x-websockets"].values():
                ws["examples"]["server"] = [{k: v for k, v in frame.items() if not (k == "model" and "usage" in frame)}
                                            for frame in ws["examples"]["server"]]
        return data
    drop_default = money.tier_source == "only"
    if drop_default:
        tier = schema(data, "Tier")
        tier["enum"] = list(dict.fromkeys(tier["enum"]))

    def edit(value: Any) -> Any:
        if isinstance(value, dict):
            if "token_count" in value and "cost_usd" in value:
                value = {k: v for k, v in value.items() if k != "model_tier"}
            if drop_default and "fallback" in value and "deadline_ms" in value:
                value = {k: v for k, v in value.items() if k != "default_model_tier"}
        return value
    return walk(data, edit)


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
