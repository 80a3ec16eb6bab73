"""The async-job declaration and the other new declarations as the spec model reads them."""

from __future__ import annotations

from contractkit.resources import neuron_spec_path
from contractkit.spec.jobs import DEFAULT_POLL_INTERVAL_MS, JobSpec
from contractkit.spec.neuron import NeuronSpec, Subject

JOB = {"operation": "getJob", "location": "header:Location", "status": "/state", "pending": ["queued"],
       "done": ["ok"], "failed": ["error"], "result": "/result", "poll_interval_ms": 250}


def test_job_reads_every_field():
    job = JobSpec.read(JOB)
    assert job is not None
    assert (job.location, job.status, job.operation, job.result) == ("header:Location", "/state", "getJob", "/result")
    assert job.poll_interval_s == 0.25 and job.accepted_status == 202
    assert [job.state(v) for v in ("queued", "ok", "error", "other")] == ["pending", "done", "failed", None]


def test_an_unusable_job_is_none_and_defaults_are_kept():
    assert JobSpec.read({**JOB, "location": "Location"}) is None
    assert JobSpec.read({**JOB, "done": []}) is None
    assert JobSpec.read(None) is None
    assert JobSpec.read({**JOB, "poll_interval_ms": -1}).poll_interval_ms == DEFAULT_POLL_INTERVAL_MS


def test_subject_in_the_pointer_form():
    assert Subject.of({"pointer": "/customer_id"}) == Subject("body", "/customer_id")
    assert Subject.of({"pointer": "header:X-Customer-Id", "not_found_status": 410}) == \
        Subject("header", "X-Customer-Id", 410)
    assert Subject.of({"in": "path", "name": "id"}) == Subject("path", "id")


def _spec(operation: dict) -> NeuronSpec:
    return NeuronSpec({"openapi": "3.1.0", "paths": {"/jobs/{id}": {"get": {"operationId": "getJob", **operation,
                                                                            "responses": {"200": {}}}}}})


def test_x_subject_on_a_plain_operation_is_its_subject_with_its_own_example():
    op = _spec({"x-subject": {"in": "path", "name": "id", "example": "job_1"}}).operation("getJob")
    # no not_found_status and no declared 404: the spec does not say what an unknown job gets
    assert op.ai is None and op.subject == Subject("path", "id", None, "job_1")
    assert op.subject_example == "job_1"
    assert op.extensions == {"x-subject": {"in": "path", "name": "id", "example": "job_1"}}


def test_the_bundled_spec_declares_the_new_shapes():
    spec = NeuronSpec.load(neuron_spec_path())
    start, review = spec.operation("startAccountReview"), spec.operation("getAccountReview")
    assert start.job is not None and start.job.operation == "getAccountReview"
    assert review.subject is not None and review.subject_example == "rev_example000001"
    assert spec.example_subjects()[0] != "rev_example000001"  # the customer stays the AI operations' entity
    assert start.usage.token_count == "header:X-Usage-Tokens" and start.fallback_marker == "header:X-Degraded"
    assert spec.probe("readiness").probe["degraded"] == {"status": 503}
