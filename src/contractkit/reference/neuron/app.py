"""``create_neuron_app(settings)``: the reference neuron/ as a FastAPI application.

Seams for deliberately broken variants (see docs/reference.md): the auth checks are the named
dependencies ``security.authenticate`` / ``security.authorize`` (and ``ratelimit.rate_limit``,
``bodies.customer_request`` / ``bodies.chat_request``), overridable through
``app.dependency_overrides``; the provider is ``settings.provider`` or
``app.state.neuron.provider``; all state is ``app.state.neuron``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, APIWebSocketRoute

from contractkit.reference.neuron import routes_ai, routes_jobs, routes_ops, routes_stream, routes_ws
from contractkit.reference.neuron.contract import NeuronContract, load_contract
from contractkit.reference.neuron.middleware import RequestContextMiddleware
from contractkit.reference.neuron.problems import install_problem_handlers
from contractkit.reference.neuron.settings import NeuronSettings
from contractkit.reference.neuron.state import NeuronState

_CONTRACT_CACHE: dict[str, NeuronContract] = {}


def _contract(settings: NeuronSettings) -> NeuronContract:
    key = str(settings.spec_path or "")
    if key not in _CONTRACT_CACHE:
        _CONTRACT_CACHE[key] = load_contract(settings.spec_path)
    return _CONTRACT_CACHE[key]


def create_neuron_app(settings: NeuronSettings) -> FastAPI:
    """A new neuron/ app; each call has its own state (limiter, health, provider)."""
    state = NeuronState.build(settings, _contract(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.neuron.provider.aclose()

    app = FastAPI(title="neuron (contractkit reference)", version=settings.version, docs_url=None,
                  redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.neuron = state
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    for module in (routes_ai, routes_jobs, routes_stream, routes_ws, routes_ops):
        _add_routes(app, module.router)
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Copy a module's routes onto this app as its own routes (so replace_route never touches others)."""
    for route in router.routes:
        if isinstance(route, APIWebSocketRoute):
            app.add_api_websocket_route(route.path, route.endpoint)
        elif isinstance(route, APIRoute):
            app.add_api_route(route.path, route.endpoint, methods=sorted(route.methods),
                              operation_id=route.operation_id)


def replace_route(app: FastAPI, path: str, endpoint: Callable[..., Any], methods: Sequence[str] = ("POST",)) -> None:
    """Swap the endpoint serving ``path`` (``methods=("WS",)`` for a WebSocket); variants use this.

    The new endpoint may declare the same dependencies (``Granted``, ``CustomerBody``, ...) as the
    reference route it replaces, or none.
    """
    websocket = tuple(methods) == ("WS",)

    def replaced(route: Any) -> bool:
        if getattr(route, "path", None) != path:
            return False
        if websocket:
            return isinstance(route, APIWebSocketRoute)
        return bool(set(getattr(route, "methods", None) or ()) & set(methods))

    app.router.routes = [r for r in app.router.routes if not replaced(r)]
    if websocket:
        app.add_api_websocket_route(path, endpoint)
    else:
        app.add_api_route(path, endpoint, methods=list(methods))
