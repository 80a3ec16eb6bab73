"""Serve the helpdesk over HTTP with its own token issuer, for trying the kit by hand:
``python tests/mcp_independent/serve_helpdesk.py [DEFECT ...]`` prints the verify command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpdesk_stack import HelpdeskStack


def main() -> None:
    with HelpdeskStack(sys.argv[1:]) as stack:
        print(stack.verify_command(), flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
