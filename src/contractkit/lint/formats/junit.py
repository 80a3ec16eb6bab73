"""JUnit XML: one test suite per spec file, one test case per rule, a failure per error finding.

CI systems (GitLab, Jenkins, Azure) show JUnit natively; a rule with only warnings passes with
the warnings in ``system-out``.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from contractkit.lint.runner import LintReport


def render(report: LintReport) -> str:
    suites = ET.Element("testsuites", name="contractkit lint")
    total_tests = total_failures = 0
    for file in report.files:
        suite = ET.SubElement(suites, "testsuite", name=file)
        tests = failures = 0
        for rule in report.rules:
            mine = [f for f in report.findings if f.file == file and f.rule == rule.id]
            case = ET.SubElement(suite, "testcase", classname=file, name=f"{rule.id} {rule.title}")
            tests += 1
            errors = [f for f in mine if f.severity == "error"]
            if errors:
                failures += 1
                failure = ET.SubElement(case, "failure", message=f"{len(errors)} finding(s)", type=rule.id)
                failure.text = "\n".join(f"{f.file}:{f.line}:{f.column}: {f.message} [#{f.pointer}]" for f in errors)
            others = [f for f in mine if f.severity != "error"]
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"{f.file}:{f.line}:{f.column}: {f.severity}: {f.message}" for f in others)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += tests
        total_failures += failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    suites.set("errors", "0")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
