"""``python -m tui`` runs the papershelf command line."""

from tui.cli import main

raise SystemExit(main())
