"""Allow ``python -m contractkit``."""

from contractkit.cli.main import main

raise SystemExit(main())
