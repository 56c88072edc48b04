"""``python -m tui`` runs the papershelf command line (and each browser window's app of ``papershelf serve``)."""

import os

if os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver:"):
    # A served window's app leaves the server's process group before its imports: ctrl+c in the
    # server's terminal then stops the server (which closes each window) and never interrupts an
    # app halfway through starting, which would print a traceback in the server's terminal.
    os.setpgrp()

from tui.cli import command

raise SystemExit(command())
