"""Webhooks (OpenAPI 3.1 §4.8.1 ``webhooks``) and callbacks (§4.8.18), an ``OpenAPIDiffer`` mixin.

Both are requests the API sends to its clients. Webhooks are matched by name, callbacks by name
and then by runtime expression, and their operations by method; each operation is then compared
with the roles swapped (see ``contractkit.diff.openapi_bodies``): what the API sends is judged as a
response, what clients answer as a request. A webhook or callback that is gone breaks the clients
that subscribed to it.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.tree import join

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


class CallbackDiffer:
    """Mixed into ``OpenAPIDiffer``: uses ``base``, ``head``, ``rec``, ``schemas`` and ``_operation``."""

    base: Any
    head: Any
    rec: Any
    schemas: Any
    _operation: Any

    def webhooks(self) -> None:
        b_all, h_all = _dict(self.base.data.get("webhooks")), _dict(self.head.data.get("webhooks"))
        for name in b_all:
            if name not in h_all:
                self.rec.emit("OAS-WEBHOOK-REMOVED", f"webhook `{name}` removed", join("/webhooks", name),
                              side="base", head_pointer="/webhooks").operations.add(f"WEBHOOK {name}")
        for name in h_all:
            ptr = join("/webhooks", name)
            if name not in b_all:
                self.rec.emit("OAS-WEBHOOK-ADDED", f"webhook `{name}` added", ptr).operations.add(f"WEBHOOK {name}")
                continue
            b_item, b_ptr = self.base.deref(b_all[name], ptr)
            h_item, h_ptr = self.head.deref(h_all[name], ptr)
            for method, out in self._callback_item(_dict(b_item), _dict(h_item), b_ptr, h_ptr):
                self.schemas.credit(out, f"WEBHOOK {name} {method.upper()}")

    def callbacks(self, b_op: dict, h_op: dict, b_ptr: str, h_ptr: str, out: list[Any]) -> None:
        b_all, h_all = _dict(b_op.get("callbacks")), _dict(h_op.get("callbacks"))
        if not b_all and not h_all:
            return
        b_cp, h_cp = join(b_ptr, "callbacks"), join(h_ptr, "callbacks")
        for name in b_all:
            if name not in h_all:
                out.append(self.rec.emit("OAS-CALLBACK-REMOVED", f"callback `{name}` removed", join(b_cp, name),
                                         side="base", head_pointer=h_ptr))
        for name in h_all:
            if name not in b_all:
                out.append(self.rec.emit("OAS-CALLBACK-ADDED", f"callback `{name}` added", join(h_cp, name)))
                continue
            b_cb, b_cbp = self.base.deref(b_all[name], join(b_cp, name))
            h_cb, h_cbp = self.head.deref(h_all[name], join(h_cp, name))
            b_cb, h_cb = _dict(b_cb), _dict(h_cb)
            for expr in b_cb:
                if expr not in h_cb:
                    out.append(self.rec.emit("OAS-CALLBACK-REMOVED", f"callback `{name}` to `{expr}` removed",
                                             join(b_cbp, expr), side="base", head_pointer=h_cbp))
            for expr in h_cb:
                if expr not in b_cb:
                    out.append(self.rec.emit("OAS-CALLBACK-ADDED", f"callback `{name}` to `{expr}` added",
                                             join(h_cbp, expr)))
                    continue
                b_item, b_ip = self.base.deref(b_cb[expr], join(b_cbp, expr))
                h_item, h_ip = self.head.deref(h_cb[expr], join(h_cbp, expr))
                for _, found in self._callback_item(_dict(b_item), _dict(h_item), b_ip, h_ip):
                    out.extend(found)

    def _callback_item(self, b_item: dict, h_item: dict, b_ptr: str, h_ptr: str) -> list[tuple[str, list[Any]]]:
        """Each method's findings, compared with the roles of request and response swapped."""
        results = []
        for m in METHODS:
            b_op, h_op = b_item.get(m), h_item.get(m)
            found: list[Any] = []
            if isinstance(b_op, dict) and not isinstance(h_op, dict):
                found.append(self.rec.emit("OAS-OP-REMOVED", f"callback operation `{m.upper()}` removed",
                                           join(b_ptr, m), side="base", head_pointer=h_ptr))
            elif isinstance(h_op, dict) and not isinstance(b_op, dict):
                found.append(self.rec.emit("OAS-OP-ADDED", f"callback operation `{m.upper()}` added",
                                           join(h_ptr, m)))
            elif isinstance(b_op, dict) and isinstance(h_op, dict):
                self._operation(b_item, h_item, b_op, h_op, b_ptr, h_ptr, join(b_ptr, m), join(h_ptr, m), "", "",
                                found, callback=True)
            if found:
                results.append((m, found))
        return results
