"""The run's settings, read once from pytest's options: the same for `contractkit verify` and `pytest`.

``PROFILES`` says how hard each profile pushes: generated examples per operation (positive and
negative), burst sizes and stream repetitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    # neuron/
    neuron_url: str | None = None
    provider_double: str | None = None
    customer_id: str | None = None
    fault_injection: bool = False
    # MCP
    mcp_server: str | None = None
    mcp_url: str | None = None
    mcp_stdio: str | None = None
    audit_log: Path | None = None
    engine_double: str | None = None
    strict: bool = False

    @property
    def target(self) -> str:
        return self.neuron_url or self.mcp_url or self.mcp_stdio or ""


def options_from_config(config: Any) -> VerifyOptions:
    """Build the options from a pytest ``Config``; bad combinations raise ``ConfigError``."""
    get = config.getoption
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
    spec = get("contract_spec")
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
        client_secret_env=get("client_secret_env") or "CONTRACTKIT_CLIENT_SECRET",
        request_timeout=timeout,
        no_rate_limit=bool(get("no_rate_limit")),
        neuron_url=neuron_url.rstrip("/") if neuron_url else None,
        provider_double=get("provider_double"),
        customer_id=get("customer_id"),
        fault_injection=bool(get("fault_injection")),
        mcp_server=mcp_server,
        mcp_url=mcp_url,
        mcp_stdio=mcp_stdio,
        audit_log=_path(get("audit_log")),
        engine_double=get("engine_double"),
        strict=bool(get("mcp_strict")),
    )


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
