"""``contractkit init --from URL``: a running service's OpenAPI document, with the kit's extensions added.

What the document already says is kept. What the kit needs and a framework cannot know is added
with ``TODO`` comments: which operations are AI operations (deadline, fallback, usage), their
rate limits, the probes, pricing, the token audience. The result is a draft to review, not a
finished contract: ``contractkit lint`` then says what is still missing, with line numbers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from contractkit.errors import ConfigError, TargetUnreachableError

_MAX_BYTES = 10 * 1024 * 1024
_PROBES = {"liveness": re.compile(r"/(health|healthz|live|livez|ping)/?$"),
           "readiness": re.compile(r"/(ready|readyz|readiness)/?$")}
_AI_METHODS = ("post", "put")
_TODO = "TODO"


def fetch_openapi(url: str, timeout: float = 10.0) -> dict[str, Any]:
    """The OpenAPI document at ``url``, or at ``url/openapi.json`` when ``url`` is the service's root."""
    import httpx

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--from must be an http:// or https:// URL, not {url!r}")
    candidates = [url] if url.rstrip("/").endswith((".json", ".yaml", ".yml")) else [
        url.rstrip("/") + "/openapi.json", url]
    last = ""
    for candidate in candidates:
        try:
            response = httpx.get(candidate, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise TargetUnreachableError(f"{candidate} is not answering HTTP: {type(exc).__name__}") from None
        if response.status_code != 200:
            last = f"{candidate} answered {response.status_code}"
            continue
        if len(response.content) > _MAX_BYTES:
            raise ConfigError(f"{candidate} answered more than {_MAX_BYTES // (1024 * 1024)} MB")
        try:
            data = json.loads(response.content) if not candidate.endswith((".yaml", ".yml")) else _yaml(response.text)
        except ValueError:
            last = f"{candidate} did not answer JSON"
            continue
        if isinstance(data, dict) and str(data.get("openapi", "")).startswith("3."):
            return data
        last = f"{candidate} is not an OpenAPI 3 document"
    raise ConfigError(f"no OpenAPI document found: {last}")


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


def add_extensions(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The document with the kit's extensions added, and a TODO comment per JSON pointer."""
    todos: dict[str, str] = {}
    info = doc.setdefault("info", {})
    if not re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", str(info.get("version", ""))):
        todos["/info/version"] = f"{_TODO} a semantic version (was {info.get('version')!r})"
        info["version"] = "0.1.0"
    scheme = _security_scheme(doc, todos)
    doc.setdefault("x-pricing", {"currency": "USD", "rounding_decimals": 6, "usd_per_1k_tokens": {"standard": 0.002}})
    todos["/x-pricing"] = f"{_TODO} your model tiers and their prices per 1000 tokens"
    for path, item in (doc.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if not isinstance(op, dict) or method not in ("get", "put", "post", "delete", "patch"):
                continue
            pointer = f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"
            role = next((r for r, pattern in _PROBES.items() if pattern.search(path)), None)
            if method == "get" and role:
                op.setdefault("x-probe", {"role": role})
                op.setdefault("security", [])
                todos[f"{pointer}/x-probe"] = f"{_TODO} check: the {role} probe"
                continue
            op.setdefault("security", [{scheme: []}])
            if method in _AI_METHODS:
                op.setdefault("x-ai-operation", {
                    "deadline_ms": 10000, "default_model_tier": "standard",
                    "fallback": {"mode": "unavailable", "retry_after_seconds": 5},
                    "usage": {"token_count": "/token_count", "cost_usd": "/cost_usd"}})
                op.setdefault("x-rate-limit", {"requests": 100, "window_seconds": 2, "key": "client_id"})
                todos[f"{pointer}/x-ai-operation"] = (f"{_TODO} an AI operation? set its deadline, fallback and "
                                                      "where its answer reports usage; remove it if not")
                todos[f"{pointer}/x-rate-limit"] = f"{_TODO} the rate limit this operation enforces"
    return doc, todos


def _security_scheme(doc: dict[str, Any], todos: dict[str, str]) -> str:
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    for name, scheme in schemes.items():
        if isinstance(scheme, dict) and scheme.get("type") == "oauth2":
            if "x-audience" not in scheme:
                scheme["x-audience"] = _TODO.lower() + "-audience"
                todos[f"/components/securitySchemes/{name}/x-audience"] = f"{_TODO} the token audience you accept"
            return name
    schemes["serviceToken"] = {
        "type": "oauth2", "description": "Service tokens (OAuth2 client credentials).", "x-audience": "todo-audience",
        "flows": {"clientCredentials": {"tokenUrl": "http://localhost:5000/oauth/token", "scopes": {}}}}
    todos["/components/securitySchemes/serviceToken"] = (f"{_TODO} your token endpoint, audience and scopes; "
                                                         "then give each operation its scope")
    doc.setdefault("security", [{"serviceToken": []}])
    return "serviceToken"


def render_yaml(doc: dict[str, Any], todos: dict[str, str], source: str) -> str:
    """YAML with a ``# TODO`` comment on the line of every pointer in ``todos``."""
    import yaml

    lines = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110).splitlines()
    by_line: dict[int, str] = {}
    for pointer, note in todos.items():
        line = _line_of(lines, pointer)
        if line is not None:
            by_line[line] = note
    out = [f"# Drafted by `contractkit init --from {source}`: the service's own OpenAPI document, with the",
           "# extensions contractkit reads added where a framework cannot know them. Review every TODO,",
           "# then run `contractkit lint` (docs/extensions.md describes each extension)."]
    out += [f"{text}  # {by_line[i]}" if i in by_line else text for i, text in enumerate(lines)]
    return "\n".join(out) + "\n"


def _line_of(lines: list[str], pointer: str) -> int | None:
    """The line of ``pointer``'s key in block-style YAML written by ``safe_dump`` (two-space indents)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    start, indent = 0, 0
    for part in parts:
        found = None
        for i in range(start, len(lines)):
            text = lines[i]
            stripped = text.lstrip(" ")
            depth = len(text) - len(stripped)
            if depth < indent and i > start:
                break
            if depth == indent and (stripped.startswith(f"{part}:") or stripped.startswith(f"'{part}':")
                                    or stripped.startswith(f'"{part}":')):
                found = i
                break
        if found is None:
            return None
        start, indent = found + 1, indent + 2
    return start - 1
