"""The rate-limit rule: a bounded burst past ``x-rate-limit`` gets 429 + Retry-After, then service resumes.

The burst is bounded (three times the declared limit, at most 600 requests; it stops at the
first refusals once the limit plus a fifth was sent) and sent from a few threads on one
operation. If the target answers more slowly than its declared limit, the burst cannot exceed
it and the rule is not verified rather than passed. ``--no-rate-limit`` switches it off for
shared staging.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from contractkit.conformance.http import Exchange, retry_after_seconds
from contractkit.conformance.neuron.common import fail, positive_control, require_answer
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation

MAX_BURST = 600
WORKERS = 8


def pick_operation(neuron: NeuronTarget) -> Operation:
    ops = [op for op in neuron.spec.operations if op.rate_limit and not op.is_stream]
    if not ops:
        raise NotVerified("the spec declares no x-rate-limit on a request/response operation")
    return min(ops, key=lambda op: (op.rate_limit[0] if op.rate_limit else 0, op.ai is not None))


@NEURON_CHECKS.register("NEU-RL-001", "Past the declared rate limit: 429 with Retry-After, then service resumes",
                        kind="burst",
                        clause="docs/extensions.md#x-rate-limit; RFC 6585 section 4; RFC 9110 section 10.2.3",
                        tags=("burst",))
def rate_limited(neuron: NeuronTarget) -> Examined:
    """What it does: sends requests to one operation as fast as it can, in waves, until the
    declared number plus a fifth were sent and one was refused (at most three times the limit,
    600 at most); at least one answer must be 429 with an integer ``Retry-After``; after
    waiting that long, a request must succeed again.

    Why: engine/ backs off on ``Retry-After``; without it, retries become a storm.
    """
    if neuron.options.no_rate_limit:
        raise NotVerified("switched off by --no-rate-limit")
    op = pick_operation(neuron)
    assert op.rate_limit
    limit, window = op.rate_limit
    burst = min(MAX_BURST, limit + max(5, limit // 5))
    if burst <= limit:
        raise NotVerified(f"the declared limit ({limit}) is larger than the suite's largest burst ({MAX_BURST})")
    positive_control(neuron, op)
    parts = neuron.request(op)
    token = neuron.token_for(op)
    cap = min(MAX_BURST, max(burst, limit * 3))
    exchanges: list[Exchange] = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        while len(exchanges) < cap:
            wave = min(WORKERS * 4, cap - len(exchanges))
            exchanges += pool.map(lambda _: neuron.call(op, parts=parts, token=token, paced=False), range(wave))
            if len(exchanges) >= burst and any(e.status == 429 for e in exchanges):
                break
    elapsed = time.monotonic() - started
    for exchange in exchanges:
        require_answer(exchange, "burst")
    limited = [e for e in exchanges if e.status == 429]
    if not limited:
        rate = len(exchanges) / elapsed if elapsed else float("inf")
        if rate < limit / window:
            raise NotVerified(f"{len(exchanges)} requests took {elapsed:.1f} s ({rate:.0f}/s), slower than the "
                              f"declared limit of {limit} per {window:g} s: the burst cannot exceed it")
        raise fail(f"{len(exchanges)} requests in {elapsed:.1f} s (limit {limit} per {window:g} s) and none got 429",
                   exchanges[-1])
    first = limited[0]
    retry_after = (first.headers.get("retry-after") or "").strip()
    wait = retry_after_seconds(retry_after)
    if wait is None:
        raise fail(f"429 without a Retry-After in seconds or as an HTTP-date (got {retry_after or 'none'!r})", first)
    time.sleep(min(wait, window * 2, 30) + 0.2)
    after = neuron.call(op, parts=parts, token=token, paced=False)
    require_answer(after, "after the Retry-After wait")
    if after.status == 429:
        raise fail(f"still 429 after waiting Retry-After ({retry_after} s)", after)
    if not 200 <= (after.status or 0) < 300:
        raise fail(f"after waiting Retry-After ({retry_after} s) the valid request got {after.status}", after)
    return Examined(len(exchanges) + 1, "requests", f"{len(limited)} refused with 429 and Retry-After "
                    f"{retry_after} s; served again after the wait")
