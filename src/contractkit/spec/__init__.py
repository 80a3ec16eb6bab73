"""The spec model: what a neuron/ OpenAPI document and an ``mcp-servers.yaml`` say, read once.

Lint, diff, the live suite and the reference servers take their facts from here, never from the
bundled specs' names: ``neuron.NeuronSpec`` (operations, parameters, subjects, streams, probes,
audiences, pricing, the fault hook) and ``mcp.ServerContract`` (servers, tools, scopes, limits).
"""
