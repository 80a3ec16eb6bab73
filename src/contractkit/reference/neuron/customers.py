"""The reference's customer directory: a small fixed demo set (engine/ owns the real one).

It includes the spec's example id, so the spec's own examples succeed against the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    segment: str
    order_trend: str
    open_tickets: int
    days_since_contact: int
    late_invoices: int

    def facts(self) -> dict[str, str]:
        return {
            "name": self.name,
            "segment": self.segment,
            "order_trend": self.order_trend,
            "open_tickets": str(self.open_tickets),
            "days_since_contact": str(self.days_since_contact),
            "late_invoices": str(self.late_invoices),
        }


DEMO_CUSTOMERS: Mapping[str, Customer] = MappingProxyType({
    c.customer_id: c
    for c in (
        Customer("3f2b8c1e-5d4a-4c6b-9e2f-7a1d0c9b8e21", "Acme Corp", "enterprise", "flat", 4, 41, 2),
        Customer("8a6e0f4b-2c1d-4e7f-9a3b-5d6c7e8f9a01", "Globex", "mid-market", "growing", 1, 7, 0),
        Customer("c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f", "Initech", "small business", "falling", 6, 90, 3),
        Customer("1b2c3d4e-5f60-4718-a9b0-c1d2e3f4a5b6", "Umbrella Health", "enterprise", "growing", 0, 12, 0),
        Customer("7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b", "Stark Logistics", "mid-market", "flat", 2, 30, 1),
    )
})


def find_customer(customer_id: str, directory: Mapping[str, Customer] = DEMO_CUSTOMERS) -> Customer | None:
    return directory.get(customer_id.lower())
