"""The reference servers: neuron/ (``neuron/``), the LLM provider double, and the stack wiring them.

``create_neuron_app(settings)`` builds neuron/; ``ReferenceStack`` starts token issuer, provider
double and neuron/ on free loopback ports for demos, the self-test and tests.
"""
