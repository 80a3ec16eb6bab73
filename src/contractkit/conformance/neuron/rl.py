"""The rate-limit rule: on each operation that declares ``x-rate-limit``, a burst past the limit gets
429 + Retry-After, then service resumes.

The burst is sized from the operation's declared limit: waves of the limit plus a fifth (at least
five more), each sent at once, every request of a wave in flight together (one connection each),
so that the target sees more than its limit at the same moment however slowly it or a loaded
machine answers each one. Waves go out until one is refused, until enough were sent
to prove the limit was crossed, or until five times the limit (600 requests at most). The proof
holds for any limiter, sliding or fixed window: N requests, all sent and answered within E
seconds, cross a limit of L per window W when N > (ceil(E / W) + 1) * L, since that span touches
at most ceil(E / W) + 1 fixed windows. Without a refusal or that proof the rule is not verified
(the target answered too slowly to tell), never passed. A request of a burst waits three times its
usual deadline; one still unanswered proves nothing either way (it is no refusal, it does not
count toward the proof, and it does not make the target "gone"). ``--no-rate-limit`` switches it off.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from contractkit.conformance.http import Exchange, retry_after_seconds
from contractkit.conformance.neuron.common import fail, positive_control, require_answer
from contractkit.conformance.neuron.requests import RequestParts
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.spec.neuron import Operation

MAX_BURST = 600
MAX_WORKERS = 256  # a wave of up to this many requests is in flight all at once
WAVES = 5  # at most this many times the limit
BURST_PATIENCE = 3  # a request of a burst waits this many times the operation's usual deadline


def wave_size(limit: int) -> int:
    """One wave: the declared limit plus a fifth, at least five more."""
    return limit + max(5, limit // 5)


def burst_cap(limit: int) -> int:
    """The most requests one operation's burst may send."""
    return min(MAX_BURST, max(wave_size(limit), WAVES * limit))


def crossed(sent: int, elapsed_s: float, limit: int, window_s: float) -> bool:
    """Whether ``sent`` requests within ``elapsed_s`` must exceed ``limit`` per ``window_s``
    under any window placement (see the module's docstring)."""
    return sent > (math.ceil(elapsed_s / window_s) + 1) * limit


def _wave(neuron: NeuronTarget, op: Operation, parts: RequestParts, token: str | None, size: int) -> list[Exchange]:
    """``size`` requests released together: every worker waits for the start signal. A target may
    answer a burst slowly, one request after another: each request has its own, longer deadline
    (``BURST_PATIENCE`` times the operation's), and one left unanswered is not counted as a lost
    target, nor as a refusal."""
    start = threading.Event()
    timeout = BURST_PATIENCE * neuron.timeout_for(op)

    def send(_: int) -> Exchange:
        start.wait()
        return neuron.call(op, parts=parts, token=token, paced=False, timeout=timeout)

    with ThreadPoolExecutor(max_workers=min(size, MAX_WORKERS)) as pool:
        futures = [pool.submit(send, i) for i in range(size)]
        start.set()
        return [f.result() for f in futures]


@NEURON_CHECKS.register("NEU-RL-001", "Past the declared rate limit: 429 with Retry-After, then service resumes",
                        kind="burst",
                        clause="docs/extensions.md#x-rate-limit; RFC 6585 section 4; RFC 9110 section 10.2.3",
                        tags=("burst",), applies="rate_limited")
def rate_limited(neuron: NeuronTarget, op: Operation) -> Examined:
    """What it does: after a positive control, sends the operation's declared limit plus a fifth
    at once (concurrent requests), in waves until one is refused or enough were sent to prove the
    limit crossed (at most five times the limit, 600 at most); at least one answer must be 429
    with a ``Retry-After`` (seconds or an HTTP-date); after waiting that long, a request must
    succeed again.

    Why: engine/ backs off on ``Retry-After``; without it, retries become a storm.
    """
    if neuron.options.no_rate_limit:
        raise NotVerified("switched off by --no-rate-limit")
    assert op.rate_limit is not None
    limit, window = op.rate_limit
    wave, cap = wave_size(limit), burst_cap(limit)
    if wave > MAX_BURST:
        raise NotVerified(f"the declared limit ({limit}) is larger than the suite's largest burst ({MAX_BURST})")
    positive_control(neuron, op)
    parts = neuron.request(op)
    # an operation taking API keys alone gets them from ``call`` (a token given would leave them out)
    token = neuron.token_for(op) if op.authenticated and op.bearer else None
    exchanges: list[Exchange] = []
    started = time.monotonic()
    while True:
        exchanges += _wave(neuron, op, parts, token, min(wave, cap - len(exchanges)))
        elapsed = time.monotonic() - started
        if any(e.status == 429 for e in exchanges) or crossed(sum(e.ok for e in exchanges), elapsed, limit, window) \
                or len(exchanges) >= cap:
            break
    answered = [e for e in exchanges if e.ok]
    limited = [e for e in answered if e.status == 429]
    if not limited:
        if crossed(len(answered), elapsed, limit, window):
            raise fail(f"{len(answered)} requests answered within {elapsed:.1f} s (limit {limit} per {window:g} s) "
                       "and none got 429", answered[-1])
        raise NotVerified(f"{len(answered)} of {len(exchanges)} requests answered in {elapsed:.1f} s: too slow to "
                          f"prove the declared limit of {limit} per {window:g} s was crossed, and none got 429")
    first = limited[0]
    retry_after = (first.headers.get("retry-after") or "").strip()
    wait = retry_after_seconds(retry_after)
    if wait is None:
        raise fail(f"429 without a Retry-After in seconds or as an HTTP-date (got {retry_after or 'none'!r})", first)
    time.sleep(min(wait, window * 2, 30) + 0.2)
    after = neuron.call(op, parts=parts, token=token, paced=False)
    require_answer(after, "after the Retry-After wait")
    waited = f"Retry-After {retry_after}" + ("" if retry_after.isdigit() else f", {wait:.1f} s")
    if after.status == 429:
        raise fail(f"still 429 after waiting {waited}", after)
    if not 200 <= (after.status or 0) < 300:
        raise fail(f"after waiting {waited} the valid request got {after.status}", after)
    return Examined(len(exchanges) + 1, "requests", f"{len(limited)} refused with 429 and {waited}"
                    f"{' s' if retry_after.isdigit() else ''}; served again after the wait")
