"""The one exception hierarchy of contractkit, and the exit code of every way a command can end.

Everything the kit can reject is an instance of ``ContractkitError``; the CLI turns it into one
line on stderr and the class's exit code (``exit_code``), so that no user ever sees a traceback
for bad input::

    ContractkitError                 exit 2 unless stated
    ├── InputError                   the input could not be read or is not what it claims to be
    │   ├── SpecReadError            missing, unreadable, binary or not UTF-8
    │   ├── SpecParseError           YAML/JSON syntax, duplicate keys, alias bombs, too deep
    │   ├── NotASpecError            parsed, but neither OpenAPI nor an mcp-servers document
    │   └── RefError                 a $ref that is dangling, remote, cyclic or outside the folder
    ├── ConfigError                  bad flags, environment or credentials
    │   └── CredentialsError         no usable client credentials, or the token endpoint refused them
    ├── TargetError                  the live server under test cannot be talked to: the run stops
    │   ├── TargetUnreachableError   refused, reset, DNS, timeout on connect
    │   └── TargetProtocolError      it answered, but not with HTTP/JSON/SSE/MCP we can read
    ├── ExchangeError                one exchange failed; the check that made it decides what it means
    │   ├── CallTimeout              (conformance.mcp.client) no answer within the deadline
    │   └── SessionLost              (conformance.mcp.client) the process exited, the connection closed
    ├── ProviderError                (llm.errors) the LLM provider failed; neuron/ answers its fallback
    │   └── ...                      unavailable, timeout, rate limit, malformed, stream, config
    └── InternalError                exit 3: the kit, or the pytest run under it, did not finish
        └── SuiteAbortedError        the suite was interrupted or pytest failed internally

Findings (lint), violations (verify) and failed gates (diff) are results, not exceptions: they
exit 1 through the command's own return value. Signals that never leave a server (a reference
server's ``ProblemError``, ``InvalidTokenError`` or ``EngineError`` become HTTP answers) are not
errors of the kit and stay beside the code that raises them.

Exit codes, for every command: 0 ok, 1 findings / violations / failed gate, 2 bad input, bad
configuration or unreachable target, 3 the kit or the suite broke, 130 interrupted by the user.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

# pytest's exit statuses (``pytest.ExitCode``) as the conformance suite reports them: a run that
# did not finish (interrupted, internal error) is never a pass; usage errors and an empty
# selection are bad input.
PYTEST_EXIT: dict[int, int] = {
    0: EXIT_OK,            # OK
    1: EXIT_FINDINGS,      # TESTS_FAILED
    2: EXIT_INTERNAL,      # INTERRUPTED (also: a test module could not be collected)
    3: EXIT_INTERNAL,      # INTERNAL_ERROR
    4: EXIT_BAD_INPUT,     # USAGE_ERROR
    5: EXIT_BAD_INPUT,     # NO_TESTS_COLLECTED: nothing was selected
}


def exit_code_of_pytest(status: int) -> int:
    """The kit's exit code for a pytest exit status; unknown statuses are the suite breaking."""
    return PYTEST_EXIT.get(int(status), EXIT_INTERNAL)


class ContractkitError(Exception):
    """Base of every error the kit reports to its user as one line."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def one_line(self) -> str:
        """The message as the CLI prints it: ``location: message`` on a single line."""
        text = " ".join(str(self.message).split())
        return f"{self.location}: {text}" if self.location else text


class InputError(ContractkitError):
    """The kit's input (a spec, a config file) could not be used."""


class SpecReadError(InputError):
    """The file is missing, unreadable, binary, or not valid UTF-8."""


class SpecParseError(InputError):
    """The text is not well-formed YAML/JSON, or is hostile (alias bomb, duplicate keys, too deep)."""


class NotASpecError(InputError):
    """The document parsed, but is neither an OpenAPI description nor an mcp-servers document."""


class RefError(InputError):
    """A ``$ref`` could not be followed: dangling, remote, cyclic, or outside the spec's folder."""


class ConfigError(ContractkitError):
    """Flags, environment variables or credentials are missing or inconsistent."""


class CredentialsError(ConfigError):
    """No usable client credentials: the secret's variable is unset, or the token endpoint refused them."""


class TargetError(ContractkitError):
    """The live target could not be talked to at all; a run that meets it stops."""


class TargetUnreachableError(TargetError):
    """Connection refused, reset, unresolvable, or no answer within the connect timeout."""


class TargetProtocolError(TargetError):
    """The target answered with something that is not the protocol we expected."""


class ExchangeError(ContractkitError):
    """One exchange with the target failed (a timeout, a lost session); unlike ``TargetError`` the
    run goes on, and the check that made the exchange turns it into a violation or a not-verified."""


class ProviderFailure(ContractkitError):
    """Base of ``contractkit.llm.errors.ProviderError``: the LLM provider failed or cannot be built."""


class InternalError(ContractkitError):
    """The kit itself, or the pytest run under it, did not finish: never a pass."""

    exit_code = EXIT_INTERNAL


class SuiteAbortedError(InternalError):
    """The conformance suite was interrupted, could not be collected, or pytest failed internally."""


def exit_code(exc: BaseException) -> int:
    """The exit code for an exception that reached the CLI: the one place this is decided."""
    if isinstance(exc, ContractkitError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL
