"""The catalogue of every rule the kit knows, read from the registries: `contractkit rules`.

The README's rule tables are generated from here too (``contractkit rules --format markdown``),
so a rule's id, title, severity and clause are written once, where the rule is.
"""

from __future__ import annotations

import argparse
import importlib

from contractkit.errors import ConfigError
from contractkit.registry import Registry, RuleInfo

# kind -> (module, attribute) of the registry; imported only when asked for.
REGISTRIES: dict[str, tuple[str, str]] = {
    "lint": ("contractkit.lint.registry", "LINT_RULES"),
    "neuron": ("contractkit.conformance.kinds", "NEURON_CHECKS"),
    "mcp": ("contractkit.conformance.kinds", "MCP_CHECKS"),
    "diff": ("contractkit.diff.registry", "CHANGE_KINDS"),
}

TITLES = {
    "lint": "Lint rules (`contractkit lint`)",
    "neuron": "neuron/ conformance checks (`contractkit verify neuron`)",
    "mcp": "MCP conformance checks (`contractkit verify mcp`)",
    "diff": "Diff change kinds (`contractkit diff`)",
}


def load_registry(kind: str) -> Registry:
    module_name, attr = REGISTRIES[kind]
    module = importlib.import_module(module_name)
    return getattr(module, attr)


def markdown_table(kind: str) -> str:
    rows = ["| id | severity | title | enforces |", "| --- | --- | --- | --- |"]
    for rule in load_registry(kind):
        rows.append(f"| `{rule.id}` | {rule.severity} | {_cell(rule.title)} | {_cell(rule.clause)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def describe(rule: RuleInfo) -> str:
    doc = rule.doc.strip() or rule.title
    code = f"\nCode: {rule.location}" if rule.location else ""
    return f"{rule.id} ({rule.severity}): {rule.title}\nEnforces: {rule.clause}{code}\n\n{_dedent(doc)}\n"


def _dedent(text: str) -> str:
    import textwrap

    first, _, rest = text.partition("\n")
    return (first + "\n" + textwrap.dedent(rest)).strip()


def run_rules(args: argparse.Namespace) -> int:
    kinds = list(REGISTRIES) if args.kind == "all" else [args.kind]
    if args.rule_id:
        for kind in kinds:
            registry = load_registry(kind)
            if args.rule_id in registry:
                print(describe(registry.get(args.rule_id)))
                return 0
        raise ConfigError(f"no rule has the id {args.rule_id!r} (see `contractkit rules`)")
    for kind in kinds:
        if args.format == "markdown":
            print(f"### {TITLES[kind]}\n\n{markdown_table(kind)}\n")
        else:
            rules = list(load_registry(kind))
            width = max(len(rule.id) for rule in rules)
            print(TITLES[kind])
            for rule in rules:
                print(f"  {rule.id:<{width}}  {rule.severity:<8} {rule.title}")
            print()
    return 0
