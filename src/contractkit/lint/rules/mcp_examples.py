"""mcp-servers tools: MCP-040 (examples validate)."""

from __future__ import annotations

from collections.abc import Iterator

from contractkit.lint.context import LintContext
from contractkit.lint.registry import LINT_RULES, Hit
from contractkit.lint.rules.mcp_tools import _tools
from contractkit.lint.schemas import check_schema, error_text
from contractkit.loading import pointer_join


@LINT_RULES.register(
    "MCP-040",
    "Tool examples validate against the tool's schemas",
    clause="conventions 8.5 (tool examples valid against parameters and returns); JSON Schema 2020-12",
    tags=("mcp-servers",),
)
def tool_examples_valid(ctx: LintContext) -> Iterator[Hit]:
    """What it does: validates each tool example's `arguments` against `parameters` and its
    `result` (if given) against `returns`, refs resolved, formats checked.

    Why: examples are what LLM prompt authors and test writers copy; an example the server would
    reject is a bug report waiting to happen.

    Example: `arguments: {customer_id: 42}` where `customer_id` is a uuid string.
    """
    for _server, _i, tool, pointer in _tools(ctx):
        examples = tool.get("examples")
        for k, example in enumerate(examples if isinstance(examples, list) else []):
            if not isinstance(example, dict):
                continue
            for part, key in (("arguments", "parameters"), ("result", "returns")):
                if part not in example or key not in tool:
                    continue
                resolved = ctx.deref(tool[key]) if isinstance(tool[key], dict) else tool[key]
                if resolved is None or check_schema(ctx, resolved):
                    continue  # MCP-002 / MCP-012 report it
                validator = ctx.schema_validator(pointer_join(pointer, key))
                try:
                    error = next(iter(validator.iter_errors(example[part])), None)
                except Exception:
                    continue
                if error is not None:
                    yield Hit(
                        pointer_join(pointer, "examples", k, part),
                        f"tool {tool.get('name')!r} example {k} {part} do not match {key}: {error_text(error)}",
                    )
