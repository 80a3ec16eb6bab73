"""The double's control endpoints, under ``/_double/`` (no auth: the double binds loopback).

    GET    /_double           what the double serves: the spec's title and version, the token endpoint, the client id
    GET    /_double/faults    what is armed, the schedule, and the fault vocabulary
    POST   /_double/faults    arm one: {"fault": NAME, "operation": ID or "*", "count": N (optional)},
                              or set the schedule: {"schedule": {NAME: RATE, ...}}
    DELETE /_double/faults    clear every armed fault and the schedule
    GET    /_double/record    every call so far and the summary
    DELETE /_double/record    forget the calls
    POST   /_double/reset     forget calls, faults, schedule position, rate-limit windows and provider health
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contractkit.double.faults import ANY_OPERATION, parse_fault_rates
from contractkit.errors import ConfigError
from contractkit.reference.neuron.ratelimit import RateLimiter

if TYPE_CHECKING:
    from contractkit.double.app import NeuronDouble

PREFIX = "/_double"


def routes(double: NeuronDouble) -> Iterator[Route]:
    labels = {op.label for op in double.spec.operations} | {f"{op.method} {op.path}" for op in double.spec.operations}
    labels |= {ws.label for ws in double.facts.websockets}

    def operation_label(name: str) -> str:
        if name == ANY_OPERATION:
            return name
        for op in double.spec.operations:
            if name in (op.label, f"{op.method} {op.path}"):
                return op.label
        if name in labels:
            return name
        raise ConfigError(f"no operation {name!r} in the spec")

    async def faults(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                asked: Any = json.loads(await request.body() or b"{}")
                if isinstance(asked, dict) and isinstance(asked.get("schedule"), dict):
                    rates = ",".join(f"{k}={v}" for k, v in asked["schedule"].items())
                    double.plan.rates = parse_fault_rates(rates)
                    double.plan.reset_schedule()
                    return JSONResponse(double.plan.snapshot())
                if not isinstance(asked, dict) or not isinstance(asked.get("fault"), str):
                    raise ConfigError('send {"fault": NAME, "operation": ID or "*", "count": N}')
                count = asked.get("count")
                if count is not None and (not isinstance(count, int) or count < 1):
                    raise ConfigError("count must be a positive integer")
                double.plan.arm(asked["fault"], operation_label(str(asked.get("operation") or ANY_OPERATION)), count)
            except ValueError:
                return JSONResponse({"error": "the body is not JSON"}, status_code=400)
            except ConfigError as exc:
                return JSONResponse({"error": exc.one_line()}, status_code=400)
        elif request.method == "DELETE":
            double.plan.clear()
            double.plan.rates = {}
        return JSONResponse(double.plan.snapshot())

    async def info(request: Request) -> JSONResponse:
        spec_info = double.spec.data.get("info") or {}
        return JSONResponse({"title": spec_info.get("title"), "version": spec_info.get("version"),
                             "token_path": double.auth.token_path, "base_path": double.base_path,
                             "client_id": double.auth.client_id,
                             "scopes": double.spec.all_scopes, "audience": double.auth.audience})

    async def record(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            double.record.clear()
        return JSONResponse({"calls": double.record.snapshot(), "summary": double.record.summary()})

    async def reset(request: Request) -> JSONResponse:
        double.record.clear()
        double.plan.clear()
        double.plan.reset_schedule()
        double.limiter = RateLimiter()
        double.health.success()
        return JSONResponse({"reset": True})

    yield Route(PREFIX, info, methods=["GET"])
    yield Route(f"{PREFIX}/faults", faults, methods=["GET", "POST", "DELETE"])
    yield Route(f"{PREFIX}/record", record, methods=["GET", "DELETE"])
    yield Route(f"{PREFIX}/reset", reset, methods=["POST"])
