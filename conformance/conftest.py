"""The conformance suite's pytest setup: the kit's plugin.

``pytest conformance --neuron-url URL`` and ``contractkit verify neuron --base-url URL`` run the
same cases through the same plugin (``contractkit.conformance.plugin``).
"""

pytest_plugins = ["contractkit.conformance.plugin"]
