"""Streams: SSE typed by ``event:`` or by a data field, the WebSocket's path, auth (header, query,
a bearer subprotocol, or a first message with the token at a nested placeholder), failure close code,
frame type field, and its connection frames (none, or a session frame and a ping)."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import TEMPLATE_PATHS, TEMPLATE_WS, operation, schema

SSE_FRAMES = (("open", "StreamOpen"), ("token", "StreamToken"), ("complete", "StreamComplete"),
              ("failed", "StreamFailed"))
WS_FRAMES = ("LiveOpen", "LiveToken", "LiveComplete", "LiveFailed")
CONNECTION_FRAMES = (("ready", "LiveReady"), ("ping", "LivePing"))


TEMPLATE_FRAMES = ("open", "token", "complete", "failed")


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    _sse(data, shape)
    _sse_names(data, dict(zip(TEMPLATE_FRAMES, shape.stream.sse_frames, strict=True)))
    _, op = operation(data, TEMPLATE_PATHS["stream"])
    _nest_delta(data, op["responses"]["200"]["content"]["text/event-stream"]["x-stream"], "StreamToken", shape)
    ws = data["x-websockets"].pop(TEMPLATE_WS)
    _ws_type_field(data, ws, shape)
    _ws_auth(data, ws, shape)
    _ws_names(data, ws, shape)
    _ws_connection(data, ws, shape)
    _nest_delta(data, ws["x-stream"], "LiveToken", shape)
    if shape.stream.delta_holder:
        ws["examples"]["server"] = [
            {**{k: v for k, v in frame.items() if k not in ("i", "t")}, shape.stream.delta_holder: {
                "i": frame["i"], "t": frame["t"]}} if "t" in frame else frame for frame in ws["examples"]["server"]]
    data["x-websockets"][shape.stream.ws_path] = ws
    return data


def _sse(data: dict[str, Any], shape: Shape) -> None:
    field = shape.stream.sse_typed_by
    if field == "event":
        return
    _, op = operation(data, TEMPLATE_PATHS["stream"])
    media = op["responses"]["200"]["content"]["text/event-stream"]
    media["x-stream"]["type_field"] = field
    media["schema"] = {"description": "One server-sent event whose data names its type at " + field,
                       "type": "object", "required": ["data"],
                       "properties": {"data": {"type": "string", "contentMediaType": "application/json"}}}
    name = field.strip("/")
    for kind, schema_name in SSE_FRAMES:
        target = schema(data, schema_name)
        target["properties"] = {name: {"const": kind}, **target["properties"]}
        target["required"] = [name, *target["required"]]


def _ws_type_field(data: dict[str, Any], ws: dict[str, Any], shape: Shape) -> None:
    name = shape.stream.ws_type_field.strip("/")
    ws["x-stream"]["type_field"] = shape.stream.ws_type_field
    for schema_name in (*WS_FRAMES, *(n for _, n in CONNECTION_FRAMES)):
        target = schema(data, schema_name)
        target["properties"] = {name if k == "kind" else k: v for k, v in target["properties"].items()}
        target["required"] = [name if k == "kind" else k for k in target["required"]]
    ws["examples"]["server"] = [{name if k == "kind" else k: v for k, v in frame.items()}
                                for frame in ws["examples"]["server"]]


def _ws_auth(data: dict[str, Any], ws: dict[str, Any], shape: Shape) -> None:
    chosen = shape.stream
    auth: dict[str, Any] = {"methods": [chosen.ws_auth], "auth_timeout_seconds": 3,
                            "failure_close_code": chosen.ws_failure_close_code}
    login = schema(data, "LiveLogin")
    if chosen.ws_auth == "first_message":
        parts = (chosen.ws_login_pointer or "/bearer").strip("/").split("/")
        message: dict[str, Any] = {"op": "login"}
        login["properties"] = {"op": {"const": "login"}}
        holder, props = message, login["properties"]
        login["required"] = ["op", parts[0]]
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            holder[part] = "{token}" if last else {}
            props[part] = {"type": "string", "minLength": 1} if last else {
                "type": "object", "required": [parts[depth + 1]], "properties": {}}
            if not last:
                holder, props = holder[part], props[part]["properties"]
        auth["message"] = message
        login["example"] = _example_login(message)
    else:  # header, query or subprotocol: the client's first message is an ask
        ws["client_messages"] = {"$ref": "#/components/schemas/LiveAsk"}
        data["components"]["schemas"].pop("LiveLogin")
        if chosen.ws_auth == "query":
            auth["query_parameter"] = chosen.ws_query_parameter
        if chosen.ws_subprotocol is not None:
            prefix, encoding, protocol = chosen.ws_subprotocol
            auth["subprotocol"] = {"token_prefix": prefix, "encoding": encoding, "protocols": [protocol]}
    ws["auth"] = auth
    codes = {k: v for k, v in ws["close_codes"].items() if k != "4401"}
    codes[str(chosen.ws_failure_close_code)] = "the authentication failed."
    ws["close_codes"] = codes


def _nest_delta(data: dict[str, Any], grammar: dict[str, Any], schema_name: str, shape: Shape) -> None:
    """The delta's text and index one object down (``/piece/t``), where the shape says so."""
    holder = shape.stream.delta_holder
    if holder is None:
        return
    token = schema(data, schema_name)
    inner = {k: token["properties"].pop(k) for k in ("i", "t")}
    token["properties"][holder] = {"type": "object", "additionalProperties": False, "required": ["i", "t"],
                                   "properties": inner}
    token["required"] = [k for k in token["required"] if k not in ("i", "t")] + [holder]
    grammar["text"], grammar["index"] = f"/{holder}/t", f"/{holder}/i"


def _grammar_names(grammar: dict[str, Any], names: dict[str, str]) -> None:
    for role in ("opens", "deltas", "ends", "errors"):
        grammar[role] = [names.get(n, n) for n in grammar[role]]


def _sse_names(data: dict[str, Any], names: dict[str, str]) -> None:
    """The SSE frames under the chosen names: in x-stream, x-sse-events, the event enum or the type consts."""
    _, op = operation(data, TEMPLATE_PATHS["stream"])
    media = op["responses"]["200"]["content"]["text/event-stream"]
    _grammar_names(media["x-stream"], names)
    media["x-sse-events"] = {names[k]: v for k, v in media["x-sse-events"].items()}
    event = media["schema"].get("properties", {}).get("event")
    if event is not None:
        event["enum"] = [names[k] for k in event["enum"]]
    for kind, schema_name in SSE_FRAMES:
        for prop in schema(data, schema_name)["properties"].values():
            if prop.get("const") == kind:
                prop["const"] = names[kind]


def _ws_names(data: dict[str, Any], ws: dict[str, Any], shape: Shape) -> None:
    names = dict(zip(TEMPLATE_FRAMES, shape.stream.ws_frames, strict=True))
    field = shape.stream.ws_type_field.strip("/")
    _grammar_names(ws["x-stream"], names)
    for schema_name in WS_FRAMES:
        prop = schema(data, schema_name)["properties"][field]
        prop["const"] = names[prop["const"]]
    ws["examples"]["server"] = [{**frame, field: names[frame[field]]} for frame in ws["examples"]["server"]]


def _ws_connection(data: dict[str, Any], ws: dict[str, Any], shape: Shape) -> None:
    """The connection frames under their chosen names; those the shape has none for are gone."""
    chosen = shape.stream.ws_connection
    field = shape.stream.ws_type_field.strip("/")
    kept = CONNECTION_FRAMES[: len(chosen)]
    for (_, schema_name), new in zip(kept, chosen, strict=True):
        schema(data, schema_name)["properties"][field]["const"] = new
    for _, schema_name in CONNECTION_FRAMES[len(chosen):]:
        data["components"]["schemas"].pop(schema_name)
        ws["server_messages"]["oneOf"].remove({"$ref": f"#/components/schemas/{schema_name}"})
    if chosen:
        ws["x-stream"]["connection"] = list(chosen)
    else:
        ws["x-stream"].pop("connection")


def _example_login(message: Any) -> Any:
    if isinstance(message, dict):
        return {k: _example_login(v) for k, v in message.items()}
    return "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" if message == "{token}" else message
