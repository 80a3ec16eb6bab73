"""One ``contractkit verify neuron`` run a test started, and what it reported: shared by the tests that
verify a whole service (the double, the second and third test neuron/s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VerifyRun:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None  # the --report-json document, None when the run wrote none
    elapsed_s: float | None = None

    @property
    def statuses(self) -> dict[str, str]:
        """rule id -> passed | failed | not_verified | ... (from the JSON report)."""
        return {r["id"]: r["status"] for r in (self.report or {}).get("rules", [])}

    def having(self, status: str) -> set[str]:
        return {rule for rule, got in self.statuses.items() if got == status}

    def failed(self) -> set[str]:
        return self.having("failed")

    def partial(self) -> dict[str, set[tuple[str, str]]]:
        """rule id -> (operation, reason) of each case left not verified in a rule that passed elsewhere."""
        return {r["id"]: {(o["operation"], o["message"]) for o in r["outcomes"] if o["status"] == "not_verified"}
                for r in (self.report or {}).get("rules", []) if r.get("partial")}

    def explain(self) -> str:
        took = f" after {self.elapsed_s:.0f} s" if self.elapsed_s is not None else ""
        return (f"$ contractkit {' '.join(self.argv)}\nexit {self.returncode}{took}\n"
                f"{self.stdout[-6000:]}\n{self.stderr[-3000:]}")
