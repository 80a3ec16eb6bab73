"""Write a starting spec: a template without lint errors, or a running service's OpenAPI document
with the kit's extensions."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", default="specs", metavar="DIR", help="where to write it (default: specs)")
    parser.add_argument("--kind", choices=("neuron", "mcp"), default="neuron",
                        help="neuron: neuron-api.yaml (OpenAPI); mcp: mcp-servers.yaml (default: neuron)")
    parser.add_argument("--from", dest="source", metavar="URL",
                        help="start from the OpenAPI document of a running service (FastAPI: its /openapi.json)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def run(args: argparse.Namespace) -> int:
    from contractkit.errors import ConfigError
    from contractkit.starter import TEMPLATES, template, write_spec

    folder = Path(args.folder)
    if args.source:
        if args.kind != "neuron":
            raise ConfigError("--from reads an OpenAPI document: it makes a neuron spec, not --kind mcp")
        from contractkit.starter.from_openapi import add_extensions, fetch_openapi, render_yaml

        doc, todos = add_extensions(fetch_openapi(args.source))
        path = write_spec(folder, TEMPLATES["neuron"], render_yaml(doc, todos, args.source), force=args.force)
        print(f"wrote {path}: {len(todos)} TODO(s) to review; then run `contractkit lint {path}`")
        return 0
    path = write_spec(folder, TEMPLATES[args.kind], template(args.kind), force=args.force)
    print(f"wrote {path}: replace the TODOs, then run `contractkit lint {path}`")
    return 0
