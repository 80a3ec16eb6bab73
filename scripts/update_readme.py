"""Regenerate the README's generated sections (rule tables, CLI reference) from the code.

    python scripts/update_readme.py          # rewrite README.md in place
    python scripts/update_readme.py --check  # exit 1 if README.md is out of date (the tests do this)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[a-z-]+) -->\n)(.*?)(<!-- END GENERATED: (?P=name) -->)", re.S)


def rules_section() -> str:
    from contractkit.catalog import REGISTRIES, TITLES, markdown_table

    parts = []
    for kind in REGISTRIES:
        parts.append(f"### {TITLES[kind]}\n\n{markdown_table(kind)}\n")
    return "\n".join(parts)


def cli_section() -> str:
    from contractkit.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    parts = [f"```text\n{_help(parser)}```\n"]
    for name, cmd in sub.choices.items():
        parts.append(f"#### `contractkit {name}`\n\n```text\n{_help(cmd)}```\n")
        nested = [a for a in cmd._actions if a.__class__.__name__ == "_SubParsersAction"]
        for action in nested:
            for sub_name, sub_cmd in action.choices.items():
                parts.append(f"#### `contractkit {name} {sub_name}`\n\n```text\n{_help(sub_cmd)}```\n")
    return "\n".join(parts)


def _help(parser: argparse.ArgumentParser) -> str:
    import os

    os.environ["COLUMNS"] = "100"
    return parser.format_help()


GENERATORS = {"rules": rules_section, "cli": cli_section}


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group("name")]() + m.group(4), text)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print("README.md is out of date: run python scripts/update_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
