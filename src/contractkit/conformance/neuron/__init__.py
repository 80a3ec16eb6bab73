"""The neuron/ checks: schema conformance, auth, errors, fallback, rate limits, SSE and WebSocket.

The check modules, one per rule-id prefix, register their rules in ``NEURON_CHECKS``:
``sch`` (NEU-SCH), ``auth`` (NEU-AUTH), ``err`` (NEU-ERR), ``fb`` (NEU-FB), ``rl`` (NEU-RL),
``sse`` (NEU-SSE), ``use`` (NEU-USE), ``ws`` (NEU-WS). They never import each other: what
several rules share lives one layer down, beside the target they talk to:

    target.py        NeuronTarget: the spec, tokens, the bounded client, a valid request per operation
    requests.py      valid and unknown values for an operation's parameters and body
    credentials.py   how an operation's security alternatives are presented
    common.py        the positive control and refusals, recorded in the evidence ledger
    schema_run.py    the schemathesis phase, one per operation, shared by every rule judging it
    frames.py        a stream's frames, their grammar and schemas; turns.py the streamed turns gathered
    usage.py         the one usage reader (tokens, cost, tier) for the rules; cost.py the budget's view
    jobs.py          async operations: the job's final answer
    faults.py        fault windows (the provider double or the target's hook); injection.py the run's
                     driver and the signs of a fault; interrupted.py a stream cut mid-turn
    bad_tokens.py    forged, expired and reflected tokens
    ws_session.py    WebSocket endpoints and sessions; ws_shapes.py their declared shapes
    probes.py        readiness and its degraded marker; leaks.py internals in error bodies

``kind.py`` wires them into the plugin; ``tests/conformance/test_import_layers.py`` keeps the
imports running one way.
"""
