"""The tools of crm-data-mcp and document-retrieval-mcp, registered on an ``MCPServer``.

Parameters are typed function arguments (the SDK derives each tool's inputSchema from them) and
results are pydantic models (the SDK derives the outputSchema and returns ``structuredContent``
plus the same JSON as text). Optional fields that engine/ leaves out stay out of the result
rather than appearing as ``null``, which the declared return schemas do not allow.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from contractkit.reference.mcp.engine_client import EngineClient, EngineError

Query = Annotated[str, Field(min_length=1, max_length=200, description="Words to look for.")]
DocumentId = Annotated[str, Field(pattern=r"^doc-[a-z0-9-]{1,60}$", description="A document id.")]


class Customer(BaseModel):
    id: str
    name: str
    status: Literal["prospect", "active", "at_risk", "churned"]
    segment: Literal["smb", "mid_market", "enterprise"]
    last_contact_date: str
    annual_revenue_usd: float | None = None


class CustomerSearch(BaseModel):
    customers: list[Customer]
    total: int


class DocumentSummary(BaseModel):
    id: str
    title: str
    snippet: str
    score: float
    customer_id: str | None = None


class DocumentSearch(BaseModel):
    documents: list[DocumentSummary]


class Document(BaseModel):
    id: str
    title: str
    content: str
    customer_id: str | None = None
    updated_at: str | None = None


def structured(model: BaseModel) -> Any:
    """A tool result carrying ``model`` as structuredContent and as JSON text, without nulls."""
    data = model.model_dump(mode="json", exclude_none=True)
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))], structured_content=data)


async def _engine(engine: EngineClient, path: str, params: dict[str, Any] | None = None,
                  missing: str = "not found") -> Any:
    try:
        return await engine.get_json(path, params)
    except EngineError as exc:
        if exc.status == 404:
            raise ToolError(missing) from None
        raise ToolError("engine/ is unavailable, try again later") from None


def register_crm_tools(server: MCPServer, engine: EngineClient) -> None:
    @server.tool(description="Fetch one customer by id.")
    async def get_customer(customer_id: UUID) -> Customer:
        data = await _engine(engine, f"/api/customers/{customer_id}", missing="no customer with that id")
        return structured(Customer.model_validate(data))

    @server.tool(description="Search customers by name or status.")
    async def search_customers(query: Query, limit: Annotated[int, Field(ge=1, le=100)] = 10) -> CustomerSearch:
        data = await _engine(engine, "/api/customers", {"q": query, "limit": limit})
        return structured(CustomerSearch.model_validate(data))


def register_document_tools(server: MCPServer, engine: EngineClient) -> None:
    @server.tool(description="Full-text search over documents, best match first.")
    async def search_documents(query: Query, customer_id: UUID | None = None,
                               limit: Annotated[int, Field(ge=1, le=50)] = 5) -> DocumentSearch:
        params = {"q": query, "limit": limit, "customer_id": str(customer_id) if customer_id else None}
        data = await _engine(engine, "/api/documents", params)
        return structured(DocumentSearch.model_validate(data))

    @server.tool(description="Read one document whole.")
    async def get_document(document_id: DocumentId) -> Document:
        data = await _engine(engine, f"/api/documents/{document_id}", missing="no document with that id")
        return structured(Document.model_validate(data))


REGISTER = {"crm-data-mcp": register_crm_tools, "document-retrieval-mcp": register_document_tools}
