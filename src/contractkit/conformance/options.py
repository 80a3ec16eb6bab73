"""The run's settings, declared once: ``OPTIONS`` is read by ``contractkit verify`` and by the pytest plugin.

Each ``Option`` names its flag once, so ``contractkit verify neuron --neuron-url URL`` and
``pytest conformance --neuron-url URL`` spell it the same way. Older CLI spellings (``--base-url``,
``--url``, ``--stdio``, ``--server``, ``--timeout``, ``--strict``) stay accepted as hidden aliases so
existing scripts and CI keep working; pytest cannot take them (pytest-timeout owns ``--timeout``,
pytest owns ``--strict``). ``options_from_values`` turns the parsed values, from either parser, into
one ``VerifyOptions``; a bad combination raises ``ConfigError`` (one line, exit 2).

``PROFILES`` says how hard each profile pushes: generated examples per operation (positive and
negative), burst sizes and stream repetitions.
"""

from __future__ import annotations

import math
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractkit.conformance.redaction import REDACTOR
from contractkit.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    positive_examples: int
    negative_examples: int
    stream_turns: int
    hypothesis_phases: tuple[str, ...] = ("explicit", "generate")


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", positive_examples=5, negative_examples=5, stream_turns=1),
    "default": Profile("default", positive_examples=25, negative_examples=25, stream_turns=2),
    "thorough": Profile("thorough", positive_examples=150, negative_examples=150, stream_turns=5),
}

BOTH = ("neuron", "mcp")


@dataclass(frozen=True)
class Option:
    """One flag of the suite, as both parsers declare it.

    ``kinds`` are the ``verify`` subcommands that show it (pytest always has it); ``aliases`` are
    old CLI spellings, accepted but not shown; ``pytest_flag`` is set when pytest already owns the
    option (``--junit-xml``, ``--maxfail``) and the CLI only forwards it; ``cli_only`` options have
    no meaning in a pytest run of their own.
    """

    flag: str
    dest: str
    help: str
    kinds: tuple[str, ...] = BOTH
    metavar: str | None = None
    action: str = "store"
    type: Callable[[str], Any] | None = None
    default: Any = None
    choices: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    short: str | None = None
    pytest_flag: str | None = None
    cli_only: bool = False


OPTIONS: tuple[Option, ...] = (
    # the target
    Option("--neuron-url", "neuron_url", "base URL of the neuron/ under test", ("neuron",), "URL",
           aliases=("--base-url",)),
    Option("--mcp-server", "mcp_server", "the MCP server's name in mcp-servers.yaml", ("mcp",), "NAME",
           aliases=("--server",)),
    Option("--mcp-url", "mcp_url", "streamable HTTP endpoint of the MCP server under test", ("mcp",), "URL",
           aliases=("--url",)),
    Option("--mcp-stdio", "mcp_stdio", "command line that starts the MCP server on stdio", ("mcp",), "CMD",
           aliases=("--stdio",)),
    Option("--spec", "contract_spec", "the spec to verify against (default: the bundled one)", metavar="PATH"),
    # what runs
    Option("--profile", "profile", "how hard to push (default: default)", choices=tuple(PROFILES),
           default="default"),
    Option("--rule", "rule", "run only these rule ids or prefixes, e.g. NEU-AUTH-* (repeatable)", metavar="ID",
           action="append"),
    Option("--skip", "skip_rule", "skip these rule ids or prefixes (repeatable)", metavar="ID", action="append"),
    Option("--operation", "operation", "check only these operations, by operationId; globs allowed (repeatable)",
           ("neuron",), "ID", action="append"),
    Option("--path", "path_filter", "check only operations whose path matches, e.g. '/assess-*' (repeatable)",
           ("neuron",), "PATTERN", action="append"),
    Option("--method", "method", "check only operations with this HTTP method (repeatable)", ("neuron",), "METHOD",
           action="append"),
    Option("--tool", "tool", "check only these tools, by name; globs allowed (repeatable)", ("mcp",), "NAME",
           action="append"),
    Option("--seed", "seed", "seed of the generated cases: the same seed sends the same cases (default: random, "
           "printed)", metavar="N", type=int),
    Option("--hypothesis-db", "hypothesis_db", "Hypothesis's example database: a folder, or 'none' "
           "(default: the user cache folder, never the current one)", metavar="PATH|none"),
    Option("--plan", "plan", "print the rules x subjects that would run and what would not be verified; "
           "send nothing", action="store_true"),
    Option("--require-all", "require_all", "treat 'not verified' as a failure", action="store_true"),
    Option("--max-failures", "max_failures", "stop after N failed cases", metavar="N", type=int,
           pytest_flag="--maxfail"),
    Option("--exitfirst", "exitfirst", "stop at the first failed case", action="store_true", short="-x",
           pytest_flag="-x"),
    # how to talk to it
    Option("--header", "header", "send this header with every request; NAME:$VAR reads the value from the "
           "environment (repeatable)", metavar="NAME:VALUE", action="append", short="-H"),
    Option("--token-url", "token_url", "override the spec's token endpoint", metavar="URL"),
    Option("--client-id", "client_id", "client id for client credentials (or $CONTRACTKIT_CLIENT_ID)",
           metavar="ID"),
    Option("--client-secret-env", "client_secret_env", "environment variable holding the client secret "
           "(never passed on the command line)", metavar="VAR", default="CONTRACTKIT_CLIENT_SECRET"),
    Option("--token-env", "token_env", "a variable holding a pre-issued token, used for every scope set",
           metavar="VAR"),
    Option("--scope-token", "scope_token", "a variable holding a token with exactly these scopes: SCOPE,SCOPE=VAR "
           "(=VAR: no scopes; repeatable)", metavar="SCOPES=VAR", action="append"),
    Option("--token-auth-method", "token_auth_method", "how the client authenticates to the token endpoint "
           "(default: auto)", choices=("auto", "client_secret_basic", "client_secret_post"), default="auto"),
    Option("--token-audience-param", "token_audience_param", "how the token request names the audience "
           "(default: auto)", choices=("auto", "audience", "resource", "none"), default="auto"),
    Option("--request-timeout", "request_timeout", "per-request timeout in seconds (default: 10)", metavar="S",
           type=float, default=10.0, aliases=("--timeout",)),
    Option("--no-rate-limit", "no_rate_limit", "skip the rate-limit burst (shared staging)", action="store_true"),
    # what the run may spend (contractkit.conformance.budget)
    Option("--max-requests", "max_requests", "send at most N requests to the target; then the rules not yet "
           "checked are not verified (default: what the profile needs for the selected rules)", ("neuron",), "N"),
    Option("--max-cost-usd", "max_cost_usd", "stop sending once the answers report this much cost in USD "
           "(usage priced by x-pricing; default: no limit)", ("neuron",), "USD"),
    # neuron/ faults and data
    Option("--provider-double", "provider_double", "control URL of the provider double the target uses "
           "(enables the fault rules)", ("neuron",), "URL"),
    Option("--fault-injection", "fault_injection", "the target has the spec's fault-injection hook enabled: "
           "ignoring it is a violation", ("neuron",), action="store_true"),
    Option("--customer-id", "customer_id", "an entity that exists on the target, used for every operation about "
           "one (x-ai-operation.subject); default: each operation's own example", ("neuron",), "ID"),
    Option("--subject", "subject", "an entity that exists on the target for these operations (operationId or "
           "label; globs allowed), e.g. getInvoice=INV-000123; wins over --customer-id (repeatable)", ("neuron",),
           "OPERATION=VALUE", action="append"),
    Option("--other-audience", "other_audience", "an audience your client may get tokens for that the API must "
           "refuse (NEU-AUTH-005, MCP-AUTH-004); default: the spec's x-foreign-audience (neuron) or its other "
           "servers' audiences (MCP), else a made-up one", BOTH, "AUD"),
    Option("--clock-skew", "clock_skew", "the leeway in seconds the target allows on token expiry (default: the "
           "spec's x-clock-skew-seconds, else 0; the expiry rules wait past it, up to 60 s)", ("neuron",), "S",
           type=float),
    Option("--api-key-env", "api_key_env", "a variable holding the API key of an apiKey security scheme: "
           "SCHEME=VAR (repeatable; never printed)", ("neuron",), "SCHEME=VAR", action="append"),
    # MCP accountability
    Option("--audit-log", "audit_log", "the MCP server's audit log (JSON lines)", ("mcp",), "PATH"),
    Option("--engine-double", "engine_double", "the kit's engine double the MCP server calls", ("mcp",), "URL"),
    Option("--mcp-strict", "mcp_strict", "undeclared MCP tools fail instead of warn", ("mcp",),
           action="store_true", aliases=("--strict",)),
    # MCP tool-call safety (contractkit.conformance.mcp.policy)
    Option("--allow-side-effects", "allow_side_effects", "call every declared tool with valid arguments, also "
           "tools that are not read-only (by default only read-only tools are called)", ("mcp",),
           action="store_true"),
    Option("--dry-run", "dry_run", "list the tools, print the safety policy and the calls each tool would get; "
           "call nothing (implies --plan)", ("mcp",), action="store_true"),
    # reports
    Option("--report-json", "report_json", "write the per-rule results as JSON", metavar="FILE"),
    Option("--markdown", "markdown", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY)",
           metavar="FILE"),
    Option("--sarif", "sarif", "write the failures as SARIF 2.1.0", metavar="FILE"),
    Option("--junit-xml", "junit_xml", "write JUnit XML (one case per rule and subject)", metavar="FILE",
           pytest_flag="--junit-xml"),
)

BY_DEST: dict[str, Option] = {o.dest: o for o in OPTIONS}


@dataclass(frozen=True)
class VerifyOptions:
    """Everything a check may need to know about how it was asked to run."""

    kind: str | None
    spec: Path | None
    profile: Profile
    rules: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    require_all: bool = False
    report_json: Path | None = None
    markdown: Path | None = None
    sarif: Path | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret_env: str = "CONTRACTKIT_CLIENT_SECRET"
    request_timeout: float = 10.0
    no_rate_limit: bool = False
    # the spend budget; max_requests_defaulted: not given, the profile's need (set after collection)
    max_requests: int | None = None
    max_cost_usd: float | None = None
    max_requests_defaulted: bool = False
    # pre-issued tokens and token-request details (contractkit.conformance.tokens.TokenSettings)
    token_env: str | None = None
    scope_tokens: list[str] = field(default_factory=list)
    token_auth_method: str = "auto"
    token_audience_param: str = "auto"
    # every request the targets' clients send carries these (``-H``); values may be secrets
    headers: dict[str, str] = field(default_factory=dict)
    # which subjects run (globs); empty = all
    operations: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    seed: int = 0
    hypothesis_db: Path | None = None
    plan: bool = False
    # neuron/
    neuron_url: str | None = None
    provider_double: str | None = None
    customer_id: str | None = None
    # --subject OPERATION=VALUE: (operation pattern, entity), in the order given
    subjects: list[tuple[str, str]] = field(default_factory=list)
    other_audience: str | None = None
    clock_skew: float | None = None
    api_key_envs: dict[str, str] = field(default_factory=dict)  # security scheme name -> variable
    fault_injection: bool = False
    # MCP
    mcp_server: str | None = None
    mcp_url: str | None = None
    mcp_stdio: str | None = None
    audit_log: Path | None = None
    engine_double: str | None = None
    strict: bool = False
    allow_side_effects: bool = False
    dry_run: bool = False

    @property
    def target(self) -> str:
        return self.neuron_url or self.mcp_url or self.mcp_stdio or ""

    @property
    def filtered(self) -> bool:
        return bool(self.operations or self.paths or self.methods or self.tools)


def options_from_config(config: Any) -> VerifyOptions:
    """Build the options from a pytest ``Config``; bad combinations raise ``ConfigError``."""
    return options_from_values(config.getoption)


def options_from_values(get: Callable[[str], Any]) -> VerifyOptions:
    """Build the options from ``get(dest)`` (pytest's ``getoption`` or an argparse namespace)."""
    neuron_url = get("neuron_url")
    mcp_url, mcp_stdio, mcp_server = get("mcp_url"), get("mcp_stdio"), get("mcp_server")
    if neuron_url and (mcp_url or mcp_stdio):
        raise ConfigError("give either --neuron-url or an MCP target (--mcp-url / --mcp-stdio), not both")
    if mcp_url and mcp_stdio:
        raise ConfigError("give either --mcp-url or --mcp-stdio, not both")
    kind = "neuron" if neuron_url else "mcp" if (mcp_url or mcp_stdio) else None
    if kind == "mcp" and not mcp_server:
        raise ConfigError("--mcp-server NAME is required with --mcp-url / --mcp-stdio")
    for name, url in (("--neuron-url", neuron_url), ("--mcp-url", mcp_url),
                      ("--provider-double", get("provider_double")), ("--engine-double", get("engine_double")),
                      ("--token-url", get("token_url"))):
        if url and not str(url).startswith(("http://", "https://")):
            raise ConfigError(f"{name} must be an http:// or https:// URL, not {url!r}")
    timeout = float(get("request_timeout"))
    if not 0 < timeout <= 600:
        raise ConfigError("--request-timeout must be between 0 and 600 seconds")
    max_requests, max_cost = _budget(get("max_requests"), get("max_cost_usd"))
    secret_env = get("client_secret_env") or "CONTRACTKIT_CLIENT_SECRET"
    client_id = get("client_id") or os.environ.get("CONTRACTKIT_CLIENT_ID")
    if client_id and not os.environ.get(secret_env):
        raise ConfigError(f"a client id was given but ${secret_env} (the client secret) is not set")
    spec = get("contract_spec")
    if spec and not Path(spec).is_file():
        raise ConfigError(f"no such spec file: {spec}")
    seed = get("seed")
    if seed is not None and not 0 <= int(seed) < 2**32:
        raise ConfigError("--seed must be between 0 and 4294967295")
    methods = [m.upper() for m in _split(get("method"))]
    for method in methods:
        if method not in _METHODS:
            raise ConfigError(f"--method {method!r} is not an HTTP method ({', '.join(sorted(_METHODS))})")
    return VerifyOptions(
        kind=kind,
        spec=Path(spec) if spec else None,
        profile=PROFILES[get("profile")],
        rules=_split(get("rule")),
        skip=_split(get("skip_rule")),
        require_all=bool(get("require_all")),
        report_json=_path(get("report_json")),
        markdown=_path(get("markdown")),
        sarif=_path(get("sarif")),
        token_url=get("token_url"),
        client_id=get("client_id"),
        client_secret_env=secret_env,
        request_timeout=timeout,
        no_rate_limit=bool(get("no_rate_limit")),
        max_requests=max_requests,
        max_cost_usd=max_cost,
        token_env=get("token_env"),
        scope_tokens=list(get("scope_token") or []),
        token_auth_method=get("token_auth_method") or "auto",
        token_audience_param=get("token_audience_param") or "auto",
        headers=parse_headers(get("header") or []),
        operations=_split(get("operation")),
        paths=list(get("path_filter") or []),
        methods=methods,
        tools=_split(get("tool")),
        seed=int(seed) if seed is not None else random.SystemRandom().randrange(2**32),
        hypothesis_db=_hypothesis_db(get("hypothesis_db")),
        plan=bool(get("plan")) or bool(get("dry_run")),
        neuron_url=neuron_url.rstrip("/") if neuron_url else None,
        provider_double=get("provider_double"),
        customer_id=get("customer_id"),
        subjects=parse_subjects(get("subject") or []),
        other_audience=get("other_audience"),
        clock_skew=_clock_skew(get("clock_skew")),
        api_key_envs=_api_key_envs(get("api_key_env") or []),
        fault_injection=bool(get("fault_injection")),
        mcp_server=mcp_server,
        mcp_url=mcp_url,
        mcp_stdio=mcp_stdio,
        audit_log=_path(get("audit_log")),
        engine_double=get("engine_double"),
        strict=bool(get("mcp_strict")),
        allow_side_effects=bool(get("allow_side_effects")),
        dry_run=bool(get("dry_run")),
    )


_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
_SENSITIVE = re.compile(r"(?i)auth|cookie|key|token|secret|session|password")


def parse_headers(values: list[str]) -> dict[str, str]:
    """``NAME:VALUE`` or ``NAME:$VAR`` (value from the environment) into a dict.

    Values read from the environment, and values of credential-like headers, are added to the
    redactor so that no report or failure message ever shows them; errors name the header or
    the variable, never the value.
    """

    headers: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _HEADER_NAME.match(name):
            shown = name if _HEADER_NAME.match(name) else "(unreadable)"
            raise ConfigError(f"--header expects NAME:VALUE or NAME:$VAR, got a malformed header {shown!r}")
        if value.startswith("$"):
            var = value[1:].strip("{}")
            if not var:
                raise ConfigError(f"--header {name}: '$' needs a variable name")
            value = os.environ.get(var, "")
            if not value:
                raise ConfigError(f"--header {name}: the environment variable ${var} is not set or empty")
            REDACTOR.add(value)
        elif _SENSITIVE.search(name):
            REDACTOR.add(value)
        if "\n" in value or "\r" in value:
            raise ConfigError(f"--header {name}: the value contains a line break")
        headers[name] = value
    return headers


def parse_subjects(values: list[str]) -> list[tuple[str, str]]:
    """``OPERATION=VALUE`` items into (operation pattern, value) pairs; whether each pattern names an
    operation of the spec is checked with the other filters (``selection.check_filters``)."""
    out = []
    for item in values:
        pattern, sep, value = item.partition("=")
        if not sep or not pattern.strip() or not value.strip():
            raise ConfigError(f"--subject expects OPERATION=VALUE (an operationId and an entity that exists), "
                              f"got {item[:60]!r}")
        out.append((pattern.strip(), value.strip()))
    return out


def _budget(requests: Any, cost: Any) -> tuple[int | None, float | None]:
    """``--max-requests`` and ``--max-cost-usd`` as numbers; parsed here, not by argparse, so that a
    typo is one line (exit 2) under ``contractkit verify`` and ``pytest conformance`` alike."""
    max_requests = max_cost = None
    if requests is not None:
        try:
            max_requests = int(str(requests).strip())
        except ValueError:
            max_requests = 0
        if not 1 <= max_requests <= 10**9:
            raise ConfigError(f"--max-requests must be a whole number of at least 1, not {str(requests)[:40]!r}")
    if cost is not None:
        try:
            max_cost = float(str(cost).strip())
        except ValueError:
            max_cost = float("nan")
        if not (math.isfinite(max_cost) and max_cost > 0):
            raise ConfigError(f"--max-cost-usd must be a positive amount in USD such as 0.50, not {str(cost)[:40]!r}")
    return max_requests, max_cost


def _clock_skew(value: Any) -> float | None:
    if value is None:
        return None
    seconds = float(value)
    if not 0 <= seconds <= 3600:
        raise ConfigError("--clock-skew must be between 0 and 3600 seconds")
    return seconds


def _api_key_envs(values: list[str]) -> dict[str, str]:
    """``SCHEME=VAR`` pairs of ``--api-key-env``: the variable is read when a key is needed."""
    out = {}
    for value in values:
        scheme, sep, env_name = str(value).rpartition("=")
        if not sep or not scheme.strip() or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", env_name.strip()):
            raise ConfigError(f"--api-key-env takes SCHEME=VAR (the security scheme's name and the variable "
                              f"holding its key), not {value!r}")
        out[scheme.strip()] = env_name.strip()
    return out


def _hypothesis_db(value: str | None) -> Path | None:
    """``none`` keeps nothing; the default is the user cache, never the current folder."""
    if value is not None and value.strip().lower() == "none":
        return None
    if value:
        return Path(value)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "contractkit" / "hypothesis"


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
