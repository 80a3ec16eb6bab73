"""The helpdesk server on stdio: ``python helpdesk_stdio.py`` (no auth: stdio takes no bearer tokens).

``HELPDESK_DEFECTS`` (comma-separated) plants defects; ``HELPDESK_CALL_LOG`` names the JSON-lines
file every tools/call is counted in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpdesk_tools import CallLog, Helpdesk


def main() -> None:
    defects = [d for d in os.environ.get("HELPDESK_DEFECTS", "").split(",") if d]
    Helpdesk(defects, CallLog(os.environ.get("HELPDESK_CALL_LOG"))).server.run("stdio")


if __name__ == "__main__":
    main()
