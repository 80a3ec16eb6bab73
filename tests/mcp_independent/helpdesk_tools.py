"""A helpdesk (ticketing) MCP server, written the way an outside team would write one on the mcp SDK 2.x.

It is not built from the kit's reference servers: it shares no code with them and lives in another
domain, so the kit meets shapes it was not written around. Its contract is ``helpdesk.yaml`` beside
this file. Shapes it has on purpose:

- tools/list paginated three tools a page (a server middleware slices the SDK's list);
- enums, arrays of enums, nested objects, formats (email, date, date-time), optional fields;
- structured output (``outputSchema``) on some tools, JSON text or plain text on others;
- a destructive tool (``delete_ticket``), an idempotent one (``set_ticket_status``);
- a slow tool (``ticket_stats_report``) whose contract declares its longest duration;
- bad arguments answered as ``isError`` results (the SDK's way) for most tools and as JSON-RPC
  ``-32602`` errors for the write tools, which validate against their declared schema first.

Every ``tools/call`` that reaches the MCP layer is appended to a JSON-lines call log (when one is
given), so a test can count calls server-side. ``defects`` switches on one planted defect.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
import jsonschema
from helpdesk_audit import AuditLog
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, ListToolsResult, ToolAnnotations
from mcp_types.jsonrpc import INVALID_PARAMS
from pydantic import BaseModel, Field

SPEC_PATH = Path(__file__).with_name("helpdesk.yaml")
PAGE_SIZE = 3
REPORT_SECONDS = 0.1
DEFECTS = frozenset({"bad-output", "lost-page", "bare-page", "crash-on-bad-args", "scope-unchecked",
                     "audience-unchecked", "endless-pages", "unaudited-get", "audit-leaks", "no-rate-limit"})
# Not defects: other ways a correct server may be served over HTTP (JSON answers, no sessions).
SHAPES = frozenset({"json-response", "stateless"})

Status = Literal["open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
TicketId = Annotated[str, Field(pattern=r"^HD-[0-9]{4,6}$")]


class Requester(BaseModel):
    name: str
    email: str


class TicketSummary(BaseModel):
    id: str
    title: str
    status: Status
    priority: Priority


class Ticket(TicketSummary):
    requester: Requester
    tags: list[str]
    created_at: str
    due_date: str | None = None


class SearchResult(BaseModel):
    tickets: list[TicketSummary]
    total: int


class Created(BaseModel):
    id: str
    status: Status


def seed_tickets() -> dict[str, Ticket]:
    """Twelve deterministic tickets: HD-1001 .. HD-1012."""
    statuses: tuple[Status, ...] = ("open", "pending", "resolved", "closed")
    priorities: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
    tickets = {}
    for n in range(12):
        tid = f"HD-{1001 + n}"
        tickets[tid] = Ticket(
            id=tid, title=f"Printer on floor {n + 1} jams", status=statuses[n % 4], priority=priorities[(n // 2) % 4],
            requester=Requester(name=f"User {n}", email=f"user{n}@example.com"),
            tags=["hardware", "printer"] if n % 2 else ["network"],
            created_at=f"2026-11-{n + 1:02d}T09:30:00Z", due_date=f"2026-12-{n + 1:02d}" if n % 3 else None)
    return tickets


class CallLog:
    """Counts tools/call requests by tool name; appends them to a JSON-lines file when given one."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.entries: list[tuple[str, str]] = []

    def record(self, tool: str, stage: str) -> None:
        """``stage``: "http" (seen by the HTTP layer, before any auth) or "mcp" (reached the MCP server)."""
        self.entries.append((tool, stage))
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"tool": tool, "stage": stage}) + "\n")


def read_call_log(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _contract_parameters() -> dict[str, dict[str, Any]]:
    """The declared parameter schemas of the write tools, read from our own contract (with $defs)."""
    import yaml

    doc = yaml.safe_load(SPEC_PATH.read_text())
    server = doc["servers"][0]
    return {t["name"]: {**t["parameters"], "$defs": doc.get("$defs", {})} for t in server["tools"]
            if t["name"] in ("create_ticket", "set_ticket_status")}


class Helpdesk:
    """The server's state and its MCPServer; ``server`` is what the transports run."""

    def __init__(self, defects: Iterable[str] = (), call_log: CallLog | None = None, *,
                 audit: AuditLog | None = None, caller: Callable[[Any], str] | None = None,
                 **server_kw: Any) -> None:
        self.defects = frozenset(defects)
        unknown = self.defects - DEFECTS - SHAPES
        if unknown:
            raise ValueError(f"unknown defects {sorted(unknown)}")
        self.calls = call_log or CallLog()
        self.audit = audit or AuditLog(None)
        self.caller = caller or (lambda request: "stdio")
        self.tickets = seed_tickets()
        self.next_id = 2001
        self.strict = _contract_parameters()
        self.server = MCPServer("helpdesk-mcp", log_level="WARNING", version="0.3.1",
                                middleware=[self.count_calls, self.paginate, self.validate_strictly], **server_kw)
        self._register()

    # -- middleware -------------------------------------------------------------------------------
    async def count_calls(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Count and audit every tools/call: outcome ok, error (isError or a JSON-RPC error)."""
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        params = ctx.params or {}
        name = str(params.get("name"))
        self.calls.record(name, "mcp")
        outcome = "error"
        try:
            result = await call_next(ctx)
            failed = result.is_error if isinstance(result, CallToolResult) else (
                isinstance(result, dict) and result.get("isError"))
            outcome = "error" if failed else "ok"
            return result
        finally:
            self.audit.write(self.caller(ctx.request), name, params.get("arguments"), outcome, ctx.request_id)

    async def paginate(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """tools/list, PAGE_SIZE tools a page; the cursor is the index of the page's first tool."""
        if ctx.method != "tools/list":
            return await call_next(ctx)
        result = await call_next(ctx)
        listed = result if isinstance(result, ListToolsResult) else ListToolsResult.model_validate(result)
        cursor = (ctx.params or {}).get("cursor")
        try:
            start = int(cursor) if cursor is not None else 0
        except (TypeError, ValueError):
            raise MCPError(INVALID_PARAMS, "invalid cursor") from None
        if not 0 <= start <= len(listed.tools):
            raise MCPError(INVALID_PARAMS, "invalid cursor")
        end = start + PAGE_SIZE
        more = end < len(listed.tools) and not ("lost-page" in self.defects and end >= 2 * PAGE_SIZE)
        page = listed.model_copy(update={"tools": listed.tools[start:end], "next_cursor": str(end) if more else None})
        if "endless-pages" in self.defects:  # planted: the last page points back to the first
            page = page.model_copy(update={"next_cursor": page.next_cursor or "0"})
        if "bare-page" in self.defects:  # planted: a hand-made page without the 2026-07-28 result fields
            return {"tools": [t.model_dump(by_alias=True, exclude_none=True) for t in page.tools],
                    **({"nextCursor": page.next_cursor} if more else {})}
        return page

    async def validate_strictly(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """The write tools check their arguments against the contract first: -32602 when they do not fit."""
        params = ctx.params or {}
        if ctx.method == "tools/call":
            name, arguments = params.get("name"), params.get("arguments") or {}
            schema = self.strict.get(str(name))
            if "crash-on-bad-args" in self.defects and name == "search_tickets":
                self._crash_if_invalid(arguments)
            if schema is not None:
                errors = list(jsonschema.Draft202012Validator(
                    schema, format_checker=jsonschema.FormatChecker()).iter_errors(arguments))
                if errors:
                    raise MCPError(INVALID_PARAMS, f"invalid arguments for {name}: {errors[0].message}")
        return await call_next(ctx)

    def _crash_if_invalid(self, arguments: dict[str, Any]) -> None:
        """Planted defect: an unchecked lookup that blows up on bad input (an internal error, not -32602)."""
        if arguments.get("status") not in (None, "open", "pending", "resolved", "closed"):
            raise RuntimeError("Traceback (most recent call last):\n  KeyError: " + repr(arguments.get("status")))
        size = arguments.get("page_size", 20)
        if not isinstance(size, int) or not 1 <= size <= 50:
            raise RuntimeError("Traceback (most recent call last):\n  IndexError: page out of range")

    # -- tools ------------------------------------------------------------------------------------
    def _register(self) -> None:
        read = ToolAnnotations(read_only_hint=True, open_world_hint=False)
        tool = self.server.tool
        tool(description="Search tickets by status, priority and assignee.", annotations=read)(self.search_tickets)
        tool(description="Fetch one ticket.", annotations=read)(self.get_ticket)
        tool(description="The support queues, as JSON text.", annotations=read,
             structured_output=False)(self.list_queues)
        tool(description="Open a ticket.", annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False),
        )(self.create_ticket)
        tool(description="Set a ticket's status (setting the same status twice changes nothing).",
             annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                         open_world_hint=False))(self.set_ticket_status)
        tool(description="Delete a ticket for good.", annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False),
        )(self.delete_ticket)
        tool(description="Statistics over all tickets; slow (scans everything).", annotations=read,
             structured_output=False)(self.ticket_stats_report)

    def search_tickets(self, status: Status | None = None,
                       priorities: Annotated[list[Priority] | None, Field(max_length=4)] = None,
                       assignee: str | None = None,
                       page_size: Annotated[int, Field(ge=1, le=50)] = 20) -> SearchResult:
        if assignee is not None and "@" not in assignee.strip("@"):
            raise ToolError("assignee must be an email address")
        found = [t for t in self.tickets.values()
                 if (status is None or t.status == status) and (not priorities or t.priority in priorities)
                 and (assignee is None or t.requester.email == assignee)]
        summaries = [TicketSummary(id=t.id, title=t.title, status=t.status, priority=t.priority) for t in found]
        return SearchResult(tickets=summaries[:page_size], total=len(found))

    def get_ticket(self, ticket_id: TicketId) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise ToolError(f"ticket {ticket_id} not found")
        if "bad-output" in self.defects:
            return ticket.model_copy(update={"created_at": "yesterday morning"})
        return ticket

    def list_queues(self) -> str:
        return json.dumps([{"queue": "hardware", "open": 3}, {"queue": "network", "open": 2}])

    def create_ticket(self, title: str, priority: Priority, requester: Requester,
                      tags: list[str] | None = None, due_date: str | None = None) -> Created:
        tid = f"HD-{self.next_id}"
        self.next_id += 1
        self.tickets[tid] = Ticket(id=tid, title=title, status="open", priority=priority, requester=requester,
                                   tags=tags or [], created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                   due_date=due_date)
        return Created(id=tid, status="open")

    def set_ticket_status(self, ticket_id: TicketId, status: Status) -> TicketSummary:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise ToolError(f"ticket {ticket_id} not found")
        ticket.status = status
        return TicketSummary(id=ticket.id, title=ticket.title, status=ticket.status, priority=ticket.priority)

    def delete_ticket(self, ticket_id: TicketId) -> str:
        if self.tickets.pop(ticket_id, None) is None:
            raise ToolError(f"ticket {ticket_id} not found")
        return f"deleted {ticket_id}"

    async def ticket_stats_report(self, group_by: Literal["status", "priority"] = "status",
                                  since: str | None = None) -> str:
        if since is not None:
            try:
                date.fromisoformat(since)
            except ValueError:
                raise ToolError("since must be a date (YYYY-MM-DD)") from None
        await anyio.sleep(REPORT_SECONDS)
        counts: dict[str, int] = {}
        for t in self.tickets.values():
            if since is None or t.created_at[:10] >= since:
                key = t.status if group_by == "status" else t.priority
                counts[key] = counts.get(key, 0) + 1
        return "report: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
