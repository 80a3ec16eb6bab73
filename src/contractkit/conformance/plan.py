"""``--plan``: what a run would do, printed before anything is sent.

The plan lists the rules and the subjects each runs on, an estimate of the requests the profile
implies, and what would be not verified and why (no subject in the spec, excluded by a filter,
switched off by a flag, no way to cause provider faults, no credentials). It is an estimate:
the checks decide at run time, and a target may answer in ways that end a check early.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from contractkit.conformance.budget import FLOOR, HEADROOM
from contractkit.conformance.http import exchange_timeout
from contractkit.conformance.neuron.faults import DOUBLE_MODES
from contractkit.conformance.neuron.rl import wave_size
from contractkit.conformance.neuron.specs import load_spec
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.selection import describe
from contractkit.spec import declarations

_PER_CASE = 2  # a probe and its control, on average


def planned_reason(rule: Any, options: VerifyOptions) -> str | None:
    """A reason the rule will not be verified that is known before sending anything, or None."""
    if "burst" in rule.tags and options.no_rate_limit:
        return "switched off by --no-rate-limit"
    if ("disruptive" in rule.tags and options.kind == "neuron"
            and not (options.provider_double or options.fault_injection)):
        if load_spec(options).fault_injection.get("header"):
            return None  # the spec's fault hook is probed first; the run says whether it answers
        return ("no way to cause provider faults (give --provider-double URL, or declare the target's "
                "x-fault-injection hook)")
    return None


def estimate_requests(cases: Sequence[Any], options: VerifyOptions) -> int:
    """About how many requests the cases send with this profile."""
    profile = options.profile
    generated = {id(c.subject) for c in cases if c.subject is not None and not c.why_none}
    total = len(generated) * (profile.positive_examples + profile.negative_examples)
    for case in cases:
        if case.why_none:
            continue
        if "burst" in case.rule.tags:  # one wave past the operation's declared limit, its control, a retry
            limit = getattr(case.subject, "rate_limit", None)
            if limit:
                total += wave_size(limit[0]) + 2
            else:
                total += 65
        elif case.rule.applies in ("stream", "turns"):
            total += profile.stream_turns * _PER_CASE
        else:
            total += _PER_CASE
        total += _job_polls(case, options)
    return total


def _job_polls(case: Any, options: VerifyOptions) -> int:
    """The polls of the jobs a case follows: a job may stay pending (a provider fault, a defect) and is
    polled every ``poll_interval_ms`` for as long as a whole answer is waited; a fault rule follows
    one job per fault mode."""
    job = getattr(case.subject, "job", None)
    if job is None:
        return 0
    waited = exchange_timeout(options.request_timeout, getattr(case.subject, "deadline_s", None))
    followed = len(DOUBLE_MODES) if "disruptive" in case.rule.tags else 1
    return followed * math.ceil(waited / job.poll_interval_s)


def default_max_requests(cases: Sequence[Any], options: VerifyOptions) -> int:
    """The request budget the chosen profile needs for these cases when ``--max-requests`` is not given:
    ``HEADROOM`` times the estimate, at least ``FLOOR``."""
    return max(FLOOR, HEADROOM * estimate_requests(cases, options))


def render_plan(cases: Sequence[Any], options: VerifyOptions) -> list[str]:
    """The plan as lines for the terminal."""
    runs: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for case in cases:
        titles[case.rule.id] = case.rule.title
        if case.why_none:
            skipped[case.rule.id] = case.why_none
        else:
            runs.setdefault(case.rule.id, []).append(case.label or "(whole target)")
    live = sum(len(v) for v in runs.values())
    lines = [f"contractkit verify {options.kind} --plan: {options.target or '(no target)'}, profile "
             f"{options.profile.name}, seed {options.seed}" + (f", filter {describe(options)}" if options.filtered
                                                               else ""),
             f"would run {live} case(s) of {len(runs)} rule(s), about "
             f"{estimate_requests(cases, options)} requests; no check was run", ""]
    width = max((len(r) for r in titles), default=10)
    for rule_id, subjects in runs.items():
        shown = ", ".join(subjects[:6]) + (f" (+{len(subjects) - 6} more)" if len(subjects) > 6 else "")
        lines.append(f"  {rule_id:<{width}}  {titles[rule_id]}")
        lines.append(f"  {'':<{width}}    on {shown}")
    if skipped:
        lines += ["", "not verified, and why:"]
        lines += [f"  {rule_id:<{width}}  {reason}" for rule_id, reason in skipped.items()]
    gaps = spec_gaps(cases, options)
    if gaps:
        lines += ["", "not verified, the spec does not declare what they need (contractkit lint lists it too):"]
        lines += [f"  {rule_id:<{width}}  on {label}: {declaration}" for rule_id, label, declaration in gaps]
    if not (options.client_id or _env_client_id()):
        lines += ["", "no client credentials: rules that need a token will be not verified "
                      "(give --client-id and --client-secret-env)"]
    return lines


def spec_gaps(cases: Sequence[Any], options: VerifyOptions) -> list[tuple[str, str, str]]:
    """(rule id, subject, declaration) of the cases that lack a declaration of the spec no flag
    meets (``contractkit.spec.declarations``, the table the plugin and lint read)."""
    if options.kind != "neuron":
        return []
    spec = load_spec(options)
    out = []
    for case in cases:
        if case.why_none:
            continue
        for need in declarations.missing(case.rule.id, spec, case.subject):
            if need.met_by(options):
                continue
            out.append((case.rule.id, case.label or "(whole target)", need.declaration))
    return out


def _env_client_id() -> str | None:
    return os.environ.get("CONTRACTKIT_CLIENT_ID")
