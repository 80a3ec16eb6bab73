"""``contractkit lint``: structural validation plus house rules for OpenAPI and mcp-servers specs.

    from contractkit.lint.runner import lint_paths
    report = lint_paths(["specs/"])          # LintReport: findings, files, errors, exit_code
    from contractkit.lint.registry import LINT_RULES   # every rule: id, title, severity, clause, doc

Layout: ``registry`` (rules and findings), ``rules/`` (one module per concern), ``context``
(what a rule sees), ``runner`` (discovery, silencing, locating), ``ignore`` (inline and file
silencing), ``formats/`` (one renderer per output format), ``command`` (the CLI entry).
"""
