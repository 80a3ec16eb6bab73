"""Async jobs (``x-ai-operation.job``): the double accepts such an operation with the declared
status and the job's URL where ``job.location`` points, and answers the job operation pending for
a short while, then done with the answer (or failed, where the fallback answers 503).

A job's id is an instance of the job operation's ``x-subject`` parameter schema (so it matches the
pattern the spec gives it); the job URL is the job operation's path with that id. The id becomes a
known subject, so any other id gets the subject's not-found status; the subject's declared example
is answered as a done job.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from contractkit.double import defects
from contractkit.double.answers import Answer
from contractkit.double.generate import seeded
from contractkit.spec.neuron import Operation, pointer_get
from contractkit.spec.pointers import header_name

if TYPE_CHECKING:
    from contractkit.double.app import NeuronDouble

PENDING_S = 0.4  # how long a job stays pending (never past half its deadline)
MAX_JOBS = 4096


@dataclass(frozen=True)
class Job:
    """One accepted job: what it answers once it is done, and from when."""

    op: Operation
    answer: Answer
    key: str
    ready_at: float
    failed_status: int | None = None


class Jobs:
    """The jobs the double accepted, by id."""

    def __init__(self, double: NeuronDouble) -> None:
        self.double = double
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._count = itertools.count(1)
        self.owners: dict[str, Operation] = {}  # job operation's label -> the operation whose job it answers
        for op in double.spec.operations:
            job = op.job
            target = double.spec.operation(job.operation) if job is not None and job.operation else None
            if target is not None:
                self.owners[target.label] = op

    def serves(self, op: Operation) -> bool:
        return op.label in self.owners

    # -- accepting -------------------------------------------------------------------------------
    def accept(self, op: Operation, answer: Answer, key: str, failed_status: int | None,
               headers: dict[str, str]) -> Response:
        """The accepting answer of ``op`` (its ``job.accepted_status``) with the new job's URL."""
        job = op.job
        assert job is not None
        job_op = self.double.spec.operation(job.operation) if job.operation else None
        job_id = self._new_id(job_op)
        deadline = op.deadline_s
        pending = min(PENDING_S, deadline / 2) if deadline else PENDING_S
        with self._lock:
            if len(self._jobs) >= MAX_JOBS:  # the oldest job is forgotten, and its id with it
                oldest = next(iter(self._jobs))
                del self._jobs[oldest]
                self.double.facts.known_subjects.discard(oldest)
            self._jobs[job_id] = Job(op, answer, key, time.monotonic() + pending, failed_status)
        self.double.facts.known_subjects.add(job_id)
        url = self.double.base_path + _job_path(job_op, job_id) if job_op is not None else f"/_double/jobs/{job_id}"
        status = job.accepted_status
        response = op.responses.get(str(status))
        content = next((c for m, c in (response.content.items() if response else ()) if "json" in m), {})
        schema = content.get("schema") or {}
        answers = self.double.answers
        body = answers.base_body(("accepted", op.label), schema, content, key) if content else None
        if body is not None:
            body = _replace_ids(answers, body, _id_schema(job_op), job_id)
            body = answers.fill(schema, body, [(job.status, job.pending[0]), (job.location, url)])
        out = {**self.double.declared_headers(op, str(status), key, headers)}
        location = header_name(job.location)
        if location is not None:
            out[location] = url
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        media = "application/json" if body is not None else None
        return Response(data, status_code=status, media_type=media, headers=out)

    def _new_id(self, job_op: Operation | None) -> str:
        schema = _id_schema(job_op) or {"type": "string", "pattern": "^job_[a-z0-9]{12}$"}
        gen = self.double.answers.gen
        for _ in range(20):
            value = gen.instance(schema, seeded(self.double.settings.seed, "job", next(self._count)),
                                 use_examples=False)
            text = str(value)
            if text not in self._jobs and text not in self.double.facts.known_subjects and "/" not in text:
                return text
        raise RuntimeError("the double cannot make a job id from the job operation's subject schema")

    # -- answering the job -----------------------------------------------------------------------
    def answer(self, job_op: Operation, subject: Any, key: str, headers: dict[str, str]) -> Response:
        """The job operation's answer: pending until the job is ready, then done (or failed)."""
        owner = self.owners[job_op.label]
        spec = owner.job
        assert spec is not None
        with self._lock:
            job = self._jobs.get(str(subject))
        if job is None:  # the subject's declared example: a done job
            answer = self.double.answers.answer(owner.operation_id or owner.label, subject,
                                                self.double.facts.tier(owner.ai, [], owner.usage), False)
            job = Job(owner, answer, key, 0.0)
        answers = self.double.answers
        status = int(self.double.facts.success_status(job_op))
        media, content = answers.success_media(job_op)
        schema = content.get("schema") or {}
        base = answers.base_body(("job", job_op.label), schema, content, key)
        base = _replace_ids(answers, base, _id_schema(job_op), str(subject))
        out = self.double.declared_headers(job_op, str(status), key, headers)
        for name in [header_name(p) for p in (*_usage_pointers(owner), owner.fallback_marker)]:
            if name is not None:
                out.pop(name, None)  # usage belongs to a done job only
        if time.monotonic() < job.ready_at:
            body = answers.fill(schema, _without(answers, schema, base, spec.result), [(spec.status, spec.pending[0])])
        elif job.failed_status is not None and spec.failed:
            body = answers.fill(schema, _without(answers, schema, base, spec.result),
                                [(spec.status, spec.failed[0]), (spec.failed_status, job.failed_status)])
        else:
            writes: list[tuple[str | None, Any]] = [(spec.status, spec.done[0])]
            if spec.result is not None and header_name(spec.result) is None and pointer_get(base, spec.result) is None:
                result_schema = _schema_at(answers, schema, spec.result)
                if result_schema is not None:
                    writes.append((spec.result, answers.gen.instance(result_schema, seeded(0, "result", key))))
            body = answers.fill(schema, base, writes)
            body = answers.fill(schema, body, answers.usage_writes(owner, job.answer))
            out.update(answers.usage_headers(owner, job.answer))
            if not self.double.keeps("report_usage"):
                body = defects.without_usage(owner, body, out)
        return Response(json.dumps(body, separators=(",", ":")).encode(), status_code=status, media_type=media,
                        headers=out)


def _usage_pointers(op: Operation) -> tuple[str | None, ...]:
    usage = op.usage
    return (usage.token_count, usage.cost_usd, usage.model_tier) if usage is not None else ()


def _id_schema(job_op: Operation | None) -> dict[str, Any] | None:
    """The schema of the parameter the job operation's ``x-subject`` names (the job id)."""
    subject = job_op.subject if job_op is not None else None
    if subject is None:
        return None
    param = next((p for p in job_op.parameters if p.location == subject.location and p.name == subject.name), None)
    return param.schema if param is not None and isinstance(param.schema, dict) else None


def _job_path(job_op: Operation, job_id: str) -> str:
    subject = job_op.subject
    name = subject.name if subject is not None and subject.location == "path" else None
    return job_op.path.replace("{" + name + "}", job_id) if name else job_op.path


def _replace_ids(answers: Any, body: Any, id_schema: dict[str, Any] | None, job_id: str) -> Any:
    """``body`` with every string that is a job id (valid against the id schema) replaced by ``job_id``,
    and with ids inside URL-like strings (``/v2/reports/rpt_...``) replaced too."""
    if not id_schema or not isinstance(id_schema.get("pattern"), str):
        return body
    if isinstance(body, dict):
        return {k: _replace_ids(answers, v, id_schema, job_id) for k, v in body.items()}
    if isinstance(body, list):
        return [_replace_ids(answers, v, id_schema, job_id) for v in body]
    if isinstance(body, str):
        if answers.gen.valid(id_schema, body):
            return job_id
        if "/" in body:
            parts = body.split("/")
            return "/".join(job_id if p and answers.gen.valid(id_schema, p) else p for p in parts)
    return body


def _schema_at(answers: Any, schema: Any, pointer: str) -> Any:
    node = answers.spec.deref(schema)
    for part in [p for p in pointer.split("/")[1:]]:
        props = (node or {}).get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or part not in props:
            return None
        node = answers.spec.deref(props[part])
    return node


def _without(answers: Any, schema: Any, body: Any, pointer: str | None) -> Any:
    """``body`` without the member ``pointer`` names (a pending job has no result), where still valid."""
    if not pointer or header_name(pointer) is not None or not isinstance(body, dict):
        return body
    parts = pointer.split("/")[1:]
    if len(parts) != 1 or parts[0] not in body:
        return body
    candidate = {k: v for k, v in body.items() if k != parts[0]}
    return candidate if answers.gen.valid(schema, candidate) else body
