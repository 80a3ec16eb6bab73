"""The engine double's records: a handful of customers and documents, the same on every run.

Ids are fixed so that the spec's examples (``3f2b8c1e-...`` and ``doc-acme-renewal-2026``) resolve.
"""

from __future__ import annotations

from typing import Any

CUSTOMERS: tuple[dict[str, Any], ...] = (
    {"id": "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21", "name": "Acme Corporation", "status": "active",
     "segment": "enterprise", "last_contact_date": "2026-11-02", "annual_revenue_usd": 1250000.0},
    {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "name": "Globex Logistics", "status": "at_risk",
     "segment": "mid_market", "last_contact_date": "2026-09-14", "annual_revenue_usd": 310000.0},
    {"id": "16fd2706-8baf-433b-82eb-8c7fada847da", "name": "Initech Software", "status": "prospect",
     "segment": "smb", "last_contact_date": "2026-10-28"},
    {"id": "886313e1-3b8a-4372-9b90-0c9aee199e5d", "name": "Umbrella Health", "status": "churned",
     "segment": "enterprise", "last_contact_date": "2025-12-19", "annual_revenue_usd": 0.0},
    {"id": "a8098c1a-f86e-41cb-b4e3-2c0a7e4d1f09", "name": "Acme Robotics", "status": "active",
     "segment": "smb", "last_contact_date": "2026-11-20", "annual_revenue_usd": 84000.0},
)

DOCUMENTS: tuple[dict[str, Any], ...] = (
    {"id": "doc-acme-renewal-2026", "title": "Acme renewal terms 2026",
     "customer_id": "3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21", "updated_at": "2026-11-03T09:30:00Z",
     "content": "Acme Corporation renews its enterprise plan for 2026 with a 4% uplift. Renewal is "
                "due on 2026-12-31; the account owner proposes a two-year term."},
    {"id": "doc-globex-risk-notes", "title": "Globex account risk notes",
     "customer_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "updated_at": "2026-09-15T14:00:00Z",
     "content": "Globex Logistics reported three escalations in Q3. Usage dropped 30%; the renewal "
                "is at risk unless the integration issues are fixed."},
    {"id": "doc-initech-proposal", "title": "Initech pilot proposal",
     "customer_id": "16fd2706-8baf-433b-82eb-8c7fada847da", "updated_at": "2026-10-29T08:00:00Z",
     "content": "A 90-day pilot for Initech Software covering five seats, converting to an annual "
                "contract on success."},
    {"id": "doc-playbook-renewals", "title": "Renewal playbook",
     "updated_at": "2026-06-01T12:00:00Z",
     "content": "How to prepare a renewal: review usage, contact the sponsor early, propose a "
                "multi-year term, and document risks."},
)
