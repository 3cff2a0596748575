"""``python -m server.cli``: the same command line as ``raidwatch``."""

from server.cli import main

raise SystemExit(main())
