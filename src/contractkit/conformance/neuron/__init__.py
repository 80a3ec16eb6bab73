"""The neuron/ checks: schema conformance, auth, errors, fallback, rate limits, SSE and WebSocket.

Each module registers its checks in ``NEURON_CHECKS``; the pytest modules in ``conformance/``
call them with the ``neuron`` fixture (a ``NeuronTarget``) and, where a rule is per operation,
an ``Operation`` of the spec.
"""
