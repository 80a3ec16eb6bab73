"""The one exception hierarchy of contractkit, and the exit code each class maps to.

Everything the kit can reject is an instance of ``ContractkitError``; the CLI turns it into one
line on stderr and the class's exit code, so that no user ever sees a traceback for bad input::

    ContractkitError                 exit 2 unless stated
    ├── InputError                   the input could not be read or is not what it claims to be
    │   ├── SpecReadError            missing, unreadable, binary or not UTF-8
    │   ├── SpecParseError           YAML/JSON syntax, duplicate keys, alias bombs, too deep
    │   ├── NotASpecError            parsed, but neither OpenAPI nor an mcp-servers document
    │   └── RefError                 a $ref that is dangling, remote, cyclic or outside the folder
    ├── ConfigError                  bad flags, environment or credentials
    └── TargetError                  the live server under test cannot be talked to
        ├── TargetUnreachableError   refused, reset, DNS, timeout on connect
        └── TargetProtocolError      it answered, but not with HTTP/JSON/SSE/MCP we can read

Findings (lint), violations (verify) and failed gates (diff) are results, not exceptions: they
exit 1 through the command's own return value.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class ContractkitError(Exception):
    """Base of every error the kit reports to its user as one line."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def one_line(self) -> str:
        """The message as the CLI prints it: ``location: message`` on a single line."""
        text = " ".join(self.message.split())
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


class TargetError(ContractkitError):
    """The live target could not be talked to at all."""


class TargetUnreachableError(TargetError):
    """Connection refused, reset, unresolvable, or no answer within the connect timeout."""


class TargetProtocolError(TargetError):
    """The target answered with something that is not the protocol we expected."""
