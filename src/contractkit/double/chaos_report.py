"""The chaos matrix as text, Markdown, JUnit XML and JSON: one row (one test case) per mode."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from contractkit.double.chaos import ChaosRun, ModeResult
from contractkit.double.faults import FAULTS

_VERDICT = {"pass": "PASS", "fail": "FAIL", "not exercised": "PASS?"}


def _summary_line(run: ChaosRun) -> str:
    healthy = run.healthy
    if healthy is None or not healthy.passed:
        return "the consumer's tests fail against a healthy neuron/: fix them first (exit 2)"
    failed = [r.mode for r in run.results if not r.passed]
    idle = [r.mode for r in run.results if r.verdict == "not exercised"]
    text = f"{len(run.results) - len(failed)} of {len(run.results)} modes passed"
    if failed:
        text += "; broken by: " + ", ".join(failed)
    if idle:
        text += "; no call met: " + ", ".join(idle)
    return text


def _what(result: ModeResult) -> str:
    return FAULTS[result.fault].summary if result.fault else "no fault"


def render_text(run: ChaosRun) -> str:
    width = max(len(r.mode) for r in run.results) if run.results else 8
    lines = [f"contractkit chaos: {' '.join(run.command)} (spec {run.spec}, seed {run.seed})"]
    for result in run.results:
        lines.append(f"  {_VERDICT[result.verdict]:<5} {result.mode:<{width}}  {result.why()}")
        if not result.passed and result.output_tail:
            lines += ["        | " + line for line in result.output_tail.splitlines()[-8:]]
    lines.append(_summary_line(run))
    return "\n".join(lines) + "\n"


def render_markdown(run: ChaosRun) -> str:
    lines = [f"### contractkit chaos: `{' '.join(run.command)}`", "",
             f"Spec `{run.spec}`, seed {run.seed}. {_summary_line(run)}.", "",
             "| mode | result | what the consumer met | evidence |", "| --- | --- | --- | --- |"]
    for r in run.results:
        lines.append(f"| `{r.mode}` | {_VERDICT[r.verdict]} | {_what(r)} | {r.why()} |")
    failed = [r for r in run.results if not r.passed]
    for r in failed:
        lines += ["", f"<details><summary>{r.mode}: the consumer's output</summary>", "", "```",
                  r.output_tail.replace("```", "'''"), "```", "</details>"]
    return "\n".join(lines) + "\n"


def render_junit(run: ChaosRun) -> str:
    suites = ET.Element("testsuites", name="contractkit chaos")
    suite = ET.SubElement(suites, "testsuite", name=f"chaos {run.spec}")
    failures = 0
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname="contractkit.chaos", name=r.mode,
                             time=f"{r.duration_s:.3f}")
        if not r.passed:
            failures += 1
            failure = ET.SubElement(case, "failure", message=r.why(), type=r.mode)
            failure.text = r.output_tail
        else:
            ET.SubElement(case, "system-out").text = r.why()
    for element in (suites, suite):
        element.set("tests", str(len(run.results)))
        element.set("failures", str(failures))
        element.set("errors", "0")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def render_json(run: ChaosRun) -> str:
    return json.dumps(run.as_dict(), indent=2) + "\n"
