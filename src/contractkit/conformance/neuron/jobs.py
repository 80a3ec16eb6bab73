"""Following an async operation's job to its final answer (``x-ai-operation.job``).

``answer_of`` is what every rule that reads an answer calls on the exchange of an operation: for
an operation that answers with a job, it asks the job (at the declared interval, with a token
of the job operation's scopes) until the job is done or failed, or the operation's deadline has
passed, and returns that final answer as an exchange whose ``elapsed_s`` runs from the original
request. Bounded three ways: by the time a whole answer is waited for (the deadline plus a margin,
``http.exchange_timeout``), by the run's budget (every poll is
a request the budget counts) and by the suite's read caps.

A poll is labelled with the job operation, so the run's logs, pacing and budget see it as that
operation's answer; the spend budget reads the async operation's usage on a done job. The common
variants of the pattern are understood: a job answering ``202`` (its accepting status) while it
runs, a ``Retry-After`` on a pending answer (waited, within the deadline), and a done job that
redirects (302/303/307) to its result, which is then fetched as the final answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from contractkit.conformance.http import Exchange, exchange_timeout, retry_after_seconds
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.jobs import JobSpec
from contractkit.spec.neuron import NeuronSpec, Operation
from contractkit.spec.pointers import read_answer


@dataclass
class JobAnswer(Exchange):
    """The final answer of a job, timed from the request that created it."""

    job_state: str | None = None  # done | failed | pending (still pending at the deadline) | None
    job_operation: str | None = None
    polls: int = 0

    @property
    def failed(self) -> bool:
        return self.job_state == "failed"


def job_operation(spec: NeuronSpec, op: Operation) -> Operation | None:
    """The operation that answers ``op``'s job: the one ``job.operation`` names."""
    job = op.job
    return spec.operation(job.operation) if job is not None and job.operation else None


def answer_of(neuron: NeuronTarget, op: Operation, exchange: Exchange) -> Exchange:
    """The operation's answer: ``exchange`` itself, or, when it accepted a job, the job's final answer."""
    job = op.job
    if job is None or not exchange.ok or exchange.status != job.accepted_status:
        return exchange
    location = read_answer(job.location, exchange)
    if not isinstance(location, str) or not location:
        return _unlocated(exchange, job)
    url = urljoin(exchange.url, location)
    if _origin(url) != _origin(neuron.base_url):
        raise NotVerified(f"{op.label}'s job is at {url}, outside the target: the suite does not follow it")
    started = time.monotonic() - exchange.elapsed_s
    deadline = op.deadline_s
    # followed as long as a whole answer is waited for: a late job is the deadline rule's to judge
    stop_at = started + exchange_timeout(neuron.options.request_timeout, deadline)
    poller = job_operation(neuron.spec, op)
    token = neuron.token_for(poller) if poller is not None and poller.authenticated else None
    label = poller.label if poller is not None else op.label
    polls, redirected = 0, False
    while True:
        remaining = stop_at - time.monotonic()
        timeout = max(0.5, min(neuron.options.request_timeout, remaining))
        poll = neuron.client.request("GET", url, headers=neuron.extra_headers, token=token, operation=label,
                                     rate=poller.rate_limit if poller else None, timeout=timeout)
        neuron.record(poll)
        polls += 1
        result = None if redirected else _redirect(neuron, url, poll)
        if result is not None:  # done: the result is elsewhere on the target, fetched once
            url, redirected = result, True
            continue
        state = _state(job, poll) if not redirected else "done" if poll.ok and 200 <= (poll.status or 0) < 300 \
            else None
        elapsed = time.monotonic() - started
        if state in ("done", "failed") or state is None:
            return _final(poll, op, state, elapsed, polls, label)
        wait = max(job.poll_interval_s, retry_after_seconds(poll.headers.get("retry-after")) or 0.0)
        if time.monotonic() + wait > stop_at:
            final = _final(poll, op, "pending", elapsed, polls, label)
            final.error = (f"no complete answer: the job was still {read_answer(job.status, poll)!r} after "
                           f"{elapsed:.2f} s ({polls} polls)")
            return final
        time.sleep(wait)


def _redirect(neuron: NeuronTarget, url: str, poll: Exchange) -> str | None:
    """Where a done job redirects to its result (302/303/307 + Location on the target), else None."""
    location = poll.headers.get("location") if poll.ok and poll.status in (302, 303, 307) else None
    if not location:
        return None
    target = urljoin(url, location)
    return target if _origin(target) == _origin(neuron.base_url) and target != url else None


def _state(job: JobSpec, poll: Exchange) -> str | None:
    """The job's state in one poll: pending, done, failed; None for anything else (an error answer,
    an unknown status value), which ends the following: the rules judge that answer. A job that
    answers its accepting status (202) without a state is still running."""
    if not poll.ok or not 200 <= (poll.status or 0) < 300:
        return None
    state = job.state(read_answer(job.status, poll))
    if state is None and poll.status == job.accepted_status:
        return "pending"
    return state


def _final(poll: Exchange, op: Operation, state: str | None, elapsed: float, polls: int, label: str) -> JobAnswer:
    fields = {f: getattr(poll, f) for f in Exchange.__dataclass_fields__}
    fields.update(elapsed_s=elapsed, operation=op.label)
    return JobAnswer(**fields, job_state=state, job_operation=label, polls=polls)


def _unlocated(exchange: Exchange, job: JobSpec) -> JobAnswer:
    fields = {f: getattr(exchange, f) for f in Exchange.__dataclass_fields__}
    answer = JobAnswer(**fields, job_state=None)
    answer.error = f"no complete answer: the {exchange.status} answer has no job location at {job.location}"
    return answer


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def is_failed_job(exchange: Exchange) -> bool:
    """Whether an answer is a job that ended failed (the async form of a 503)."""
    return isinstance(exchange, JobAnswer) and exchange.failed


def answer_status(op: Operation, exchange: Exchange) -> int | None:
    """The HTTP status an answer stands for: a failed job's problem status where the job says it
    (``job.failed_status``), else the exchange's own status."""
    job = op.job
    if is_failed_job(exchange) and job is not None and job.failed_status is not None:
        status = read_answer(job.failed_status, exchange)
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    return exchange.status


def answering_operation(neuron: NeuronTarget, op: Operation, exchange: Exchange) -> Operation:
    """The operation whose responses describe ``exchange``: the job operation for a job's answer."""
    if isinstance(exchange, JobAnswer):
        return job_operation(neuron.spec, op) or op
    return op
