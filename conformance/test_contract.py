"""The suite's one test: a registered rule checked on one subject of the spec under test.

The plugin (``contractkit.conformance.plugin``) generates the cases from the registries, one per
selected rule and operation, stream or tool; there is nothing to wire here when a rule is added.
"""

from contractkit.conformance.plugin import EXAMINED_KEY


def test_rule(rule_case, target, request):
    request.node.stash[EXAMINED_KEY] = rule_case.run(target)
