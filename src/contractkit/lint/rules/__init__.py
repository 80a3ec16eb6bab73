"""The lint rules, one small module per concern; importing this package registers them all,
in id order (the order of `contractkit rules` and of the README table).

Each module imports only the stdlib and contractkit at top level; the validators they need
(openapi-spec-validator, jsonschema) are imported inside the rule that uses them.
"""

import importlib

#: Import order is registration order.
MODULES = (
    "openapi_structure",
    "openapi_refs",
    "openapi_operations",
    "openapi_errors",
    "openapi_ai",
    "openapi_extensions",
    "openapi_declarations",
    "openapi_pricing",
    "openapi_examples",
    "openapi_shapes",
    "mcp_format",
    "mcp_tools",
    "mcp_limits",
    "mcp_examples",
)

for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")
