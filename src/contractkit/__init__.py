"""contractkit: contract-first specs, linters, diff and live conformance checks for AI services.

The public face is the ``contractkit`` command; the modules below it are importable, but only
``contractkit.errors`` and ``contractkit.registry`` are meant as a stable library API for now.
"""

__version__ = "0.1.0"
