"""The differ against a second, independent judgement (``differential.py``: instances and a validator).

For generated schema edits, in a request body and in a response, the differ's call (breaking or
not) is compared with the instance judgement (a value that one side accepts and the other does
not, in the direction that hurts clients). Two properties are held on every generated edit:

- never silence: when some value changed sides, the differ reports at least one change;
- no false comfort: when the differ calls every change of a direction non-breaking, no value that
  breaks clients in that direction was found.

And over a fixed sample the agreement of the two calls must stay at or above ``MIN_AGREEMENT``.
``python tests/diff/test_diff_differential.py [N]`` prints the figure for N edits.
"""

from __future__ import annotations

import random
import sys

from diff_helpers import schema_doc
from differential import judge, random_pair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractkit.diff import diff_data

#: Agreement of "breaking or not" over the fixed sample (request and response calls), measured; the test
#: fails if a change makes it drop.
MIN_AGREEMENT = 0.93
SAMPLE_SEED, SAMPLE_SIZE = 20261206, 300
DIRECTIONS = {"request": "OAS-REQ", "response": "OAS-RES"}


def calls(base: dict, head: dict) -> dict[str, tuple[bool, bool, list[str]]]:
    """Per direction: (the differ calls it breaking, it reports nothing but non-breaking changes, the ids)."""
    out = {}
    for direction, context in DIRECTIONS.items():
        changes = diff_data(schema_doc(base, None, context), schema_doc(head, None, context))
        classes = {c.classification for c in changes}
        out[direction] = ("breaking" in classes, classes <= {"non-breaking"}, sorted(c.id for c in changes))
    return out


def agreement(n: int, seed: int = SAMPLE_SEED) -> tuple[float, list[str]]:
    """The share of (edit, direction) calls on which the differ and the instance judgement agree."""
    rnd = random.Random(seed)
    agree, total, disagreements = 0, 0, []
    for _ in range(n):
        base, head, what = random_pair(rnd)
        oracle = judge(base, head, rnd)
        for direction, (breaking, _, ids) in calls(base, head).items():
            total += 1
            if breaking == oracle[direction]:
                agree += 1
            else:
                disagreements.append(f"{direction}: {what}: differ {'breaking' if breaking else 'not'}, instances "
                                     f"{'breaking' if oracle[direction] else 'not'} {ids}")
    return agree / total, disagreements


def test_agreement_with_the_instance_judgement() -> None:
    rate, disagreements = agreement(SAMPLE_SIZE)
    assert rate >= MIN_AGREEMENT, f"agreement {rate:.1%}:\n" + "\n".join(disagreements[:40])


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.randoms(use_true_random=False))
def test_never_silent_never_falsely_comforting(rnd: random.Random) -> None:
    base, head, what = random_pair(rnd)
    oracle = judge(base, head, random.Random(0))  # the search's own draws stay out of what Hypothesis shrinks
    found = calls(base, head)
    strict = judge(base, head, random.Random(0), declared_only=False)
    if strict["request"] or strict["response"]:
        assert any(ids for _, _, ids in found.values()), f"{what}: values changed sides, the diff saw nothing"
    for direction, (_, only_non_breaking, ids) in found.items():
        assert not (only_non_breaking and oracle[direction]), (
            f"{direction}: {what}: called non-breaking {ids}, but a value breaking clients exists\n{base}\n{head}")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_SIZE
    rate, found = agreement(count)
    print("\n".join(found))
    print(f"agreement with the instance judgement: {rate:.1%} of {2 * count} calls ({count} edits, request and "
          "response)")
