"""``contractkit serve neuron-double``: the double in the foreground, its URLs on named lines, and
the record of what the consumer did printed when it stops."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from contractkit.errors import ConfigError

if TYPE_CHECKING:
    from contractkit.double.app import NeuronDouble
    from contractkit.double.record import Record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``serve neuron-double`` (the other services ignore them)."""
    group = parser.add_argument_group("neuron-double")
    group.add_argument("--spec", metavar="PATH", help="with 'neuron-double': the neuron spec to serve "
                       "(default: the bundled specs/neuron-api.yaml)")
    group.add_argument("--seed", type=int, default=0, help="with 'neuron-double': the seed of generated answers "
                       "and of the fault schedule (default 0)")
    group.add_argument("--faults", metavar="NAME=RATE,...", help="with 'neuron-double': a seeded random schedule "
                       "of faults, e.g. provider_error=0.1,timeout=0.05")
    group.add_argument("--record", metavar="FILE", help="with 'neuron-double': append every call as a JSON line")
    group.add_argument("--jwks-url", metavar="URL", help="with 'neuron-double': verify tokens against this key set "
                       "instead of starting the kit's token issuer")
    group.add_argument("--client-id", default="engine", help="with 'neuron-double': the client id of the token "
                       "endpoint it starts (default engine; secret from $NEURON_DOUBLE_CLIENT_SECRET)")
    group.add_argument("--cut-after", type=int, default=2, metavar="N", help="with 'neuron-double': the frames "
                       "a stream_cut stream sends before its connection drops (default 2)")
    group.add_argument("--subject", action="append", default=[], metavar="VALUE",
                       help="with 'neuron-double': an entity that exists besides the spec's examples (repeatable)")
    group.add_argument("--scope-claim", default="scope", metavar="FORM",
                       help="with 'neuron-double': how its tokens carry their scopes: scope (space-separated, "
                       "the default), scope-list, scp (a list) or scp-string")
    group.add_argument("--defect", action="append", default=[], metavar="BEHAVIOUR",
                       help="with 'neuron-double': a contract behaviour to switch off, to play a defect "
                       "(repeatable; names in contractkit.double.behaviours)")


def build(args: argparse.Namespace) -> NeuronDouble:
    """The double the arguments describe; ConfigError (one line, exit 2) for anything unusable."""
    from contractkit.double.app import DoubleSettings, NeuronDouble
    from contractkit.double.faults import parse_fault_rates
    from contractkit.resources import neuron_spec_path
    from contractkit.spec.neuron import NeuronSpec

    spec = NeuronSpec.load(getattr(args, "spec", None) or neuron_spec_path())
    if not spec.operations:
        raise ConfigError(f"{spec.path}: the spec declares no operations to serve")
    record = Path(args.record) if getattr(args, "record", None) else None
    settings = DoubleSettings(seed=int(getattr(args, "seed", 0) or 0),
                              rates=parse_fault_rates(getattr(args, "faults", None)),
                              record_path=record, jwks_url=getattr(args, "jwks_url", None),
                              client_id=getattr(args, "client_id", None) or "engine",
                              subjects=tuple(getattr(args, "subject", None) or ()),
                              cut_after_frames=max(0, int(getattr(args, "cut_after", 2) or 0)),
                              defects=frozenset(getattr(args, "defect", None) or ()),
                              scope_claim=getattr(args, "scope_claim", None) or "scope")
    try:
        double = NeuronDouble(spec, settings)
    except ValueError as exc:  # an unknown behaviour name or scope claim
        raise ConfigError(f"--{'scope-claim' if 'scope claim' in str(exc) else 'defect'}: {exc}") from None
    double.warm_up()
    return double


def serve_double(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from contractkit.double.auth import DEFAULT_SECRET, SECRET_ENV, api_key, api_key_env
    from contractkit.reference.serve import _bindable_port, _run_foreground, _say

    out = out or sys.stdout
    double = build(args)
    port = _bindable_port(args.host, args.port)
    url = f"http://{args.host}:{port}"
    _say(out, f"neuron-double: {url}{double.base_path}")
    auth = double.auth
    if auth.token_path:
        _say(out, f"token endpoint: {url}{auth.token_path}")
        shown = "(from $" + SECRET_ENV + ")" if os.environ.get(SECRET_ENV) else DEFAULT_SECRET
        _say(out, f"client: client_id={auth.client_id} client_secret={shown} scopes={' '.join(auth.spec.all_scopes)}")
    else:
        _say(out, f"token endpoint: none (tokens verified against {args.jwks_url})")
    for name, scheme in auth.spec.security_schemes.items():
        if scheme.api_key:  # a test double's key: printed on purpose, like its client secret
            shown = f"(from ${api_key_env(name)})" if os.environ.get(api_key_env(name)) else api_key(name)
            _say(out, f"api key {name} ({scheme.location} {scheme.param}): {shown}")
    _say(out, f"control: {url}/_double (faults, record, reset)")
    try:
        _run_foreground(double, args.host, port)
    finally:
        print_record(double.record, out)
    return 0


def print_record(record: Record, out: TextIO) -> None:
    """The calls and the summary, as the double prints them when it stops."""
    calls = record.snapshot()
    for call in calls[-200:]:
        extra = " ".join(f"{k}={call[k]}" for k in ("fault", "retry_of", "waited_s", "honoured_retry_after", "stream")
                         if call.get(k) is not None)
        print(f"call {call['n']}: {call['operation']} -> {call['status']} {call['duration_s']}s {extra}".rstrip(),
              file=out)
    summary = record.summary()
    print("record: " + ", ".join(f"{k}={v}" for k, v in summary.items()), file=out, flush=True)
