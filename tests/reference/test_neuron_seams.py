"""The seams a broken variant uses work, and each one really changes the behaviour it names."""

from __future__ import annotations

import json
from typing import Annotated

import httpx
from fastapi import Depends, Request
from neuron_helpers import CUSTOMER, sse_frames
from sse_starlette import EventSourceResponse

from contractkit.reference.neuron import NeuronSettings, create_neuron_app, replace_route
from contractkit.reference.neuron.bodies import ChatBody
from contractkit.reference.neuron.frames import chat_frames
from contractkit.reference.neuron.ratelimit import Granted
from contractkit.reference.neuron.security import authenticate, authorize
from contractkit.reference.neuron.state import operation_of
from contractkit.reference.token_issuer.issuer import TokenIssuer
from contractkit.reference.token_issuer.verifier import VerifiedToken
from contractkit.servers import serving


def make_app():
    issuer = TokenIssuer()
    settings = NeuronSettings(public_keys={issuer.key.kid: issuer.key.private_key.public_key()})
    return issuer, create_neuron_app(settings)


def test_overriding_authenticate_removes_auth():
    _, app = make_app()

    async def anyone() -> VerifiedToken:
        return VerifiedToken("anyone", frozenset({"neuron.suggest"}), "neuron-api", 2**40, {})

    app.dependency_overrides[authenticate] = anyone
    with serving(app) as server:
        response = httpx.post(server.url + "/suggest-next-action", json={"customer_id": CUSTOMER})
    assert response.status_code == 200


def test_overriding_authorize_ignores_scopes():
    issuer, app = make_app()

    async def any_scope(token: Annotated[VerifiedToken, Depends(authenticate)]) -> VerifiedToken:
        return token

    app.dependency_overrides[authorize] = any_scope
    token = issuer.mint("c", ["neuron.chat"], "neuron-api")
    with serving(app) as server:
        response = httpx.post(server.url + "/assess-risk", json={"customer_id": CUSTOMER},
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_replace_route_swaps_one_endpoint():
    issuer, app = make_app()

    async def no_terminal_frame(request: Request, token: Granted, body: ChatBody) -> EventSourceResponse:
        frames = chat_frames(request.app.state.neuron, operation_of(request), "req_variant01", body, {})

        async def events():
            async for frame in frames:
                if frame["type"] not in {"done", "error"}:
                    yield {"event": frame["type"], "data": json.dumps(frame)}

        return EventSourceResponse(events())

    replace_route(app, "/chat/stream", no_terminal_frame)
    token = issuer.mint("c", ["neuron.chat"], "neuron-api")
    with serving(app) as server:
        response = httpx.post(server.url + "/chat/stream", json={"message": "hi"},
                              headers={"Authorization": f"Bearer {token}"})
        unauthenticated = httpx.post(server.url + "/chat/stream", json={"message": "hi"})
    events = [e for e, _ in sse_frames(response.text)]
    assert events[0] == "start" and "done" not in events
    assert unauthenticated.status_code == 401, "the replacement kept the reference dependencies"


def test_deadlines_can_be_switched_off_for_a_variant():
    from contractkit.reference.neuron.calls import Budget
    from contractkit.reference.neuron.contract import load_contract
    from contractkit.reference.neuron.state import NeuronState

    contract = load_contract()
    op = contract.operations["POST /suggest-next-action"]
    state = NeuronState.build(NeuronSettings(public_keys={"k": None}, enforce_deadlines=False,
                                             provider_timeout_s=60), contract)
    assert Budget.start(state, op).next_wait() == 60
    state = NeuronState.build(NeuronSettings(public_keys={"k": None}, provider_timeout_s=60), contract)
    assert Budget.start(state, op).next_wait() <= 5
