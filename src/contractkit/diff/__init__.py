"""``contractkit diff``: what a spec change breaks, and the version bump it needs.

Public API::

    from contractkit.diff import diff_data, diff_documents, gate, CHANGE_KINDS

    changes = diff_data(base_data, head_data)          # parsed specs -> [Change], most serious first
    report = diff_documents(base_doc, head_doc)        # loaded Documents -> DiffReport, with file:line in HEAD
    report.gate = gate(report.changes, report.base.version, report.head.version, "breaking")

Modules: ``registry`` / ``schema_kinds`` (every change kind, its id and classification), ``tree`` /
``view`` / ``schema_view`` / ``schema_diff`` / ``schema_applicators`` / ``schema_unions`` / ``wire``
(JSON Schemas compared by meaning, per direction, as text where values travel as text), ``openapi`` /
``openapi_bodies`` / ``openapi_callbacks`` / ``openapi_ext`` / ``media`` / ``mcp`` (the two spec
kinds), ``policy`` (deprecation, sunset and stability rules), ``semver`` (the gate), ``sources`` /
``files`` (files, ``REV:path``, merge base, ``--max-depth``), ``render`` (text, markdown, json,
github), ``changelog``, ``command`` (the CLI entry).
"""

from contractkit.diff.engine import diff_data, diff_documents
from contractkit.diff.model import Change, DiffReport, Gate
from contractkit.diff.registry import CHANGE_KINDS
from contractkit.diff.semver import gate

__all__ = ["CHANGE_KINDS", "Change", "DiffReport", "Gate", "diff_data", "diff_documents", "gate"]
