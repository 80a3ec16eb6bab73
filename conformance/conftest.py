"""The conformance suite's pytest setup: the kit's plugin and each target kind's fixtures.

``pytest conformance --neuron-url URL`` and ``contractkit verify neuron --base-url URL`` run the
same tests through the same plugin (``contractkit.conformance.plugin``). Modules for a target
kind that was not asked for are deselected.
"""

from __future__ import annotations

import importlib.util

pytest_plugins = ["contractkit.conformance.plugin", "contractkit.conformance.neuron.fixtures"]

if importlib.util.find_spec("contractkit.conformance.mcp") is not None \
        and importlib.util.find_spec("contractkit.conformance.mcp.plugin") is not None:
    pytest_plugins.append("contractkit.conformance.mcp.plugin")
