"""papershelf's terminal app, its command line and its servers."""

import os

# Textual draws a changed screen at most TEXTUAL_FPS times a second, on a fixed grid of ticks, and
# after an idle spell its timer skips to the tick after next: at the default 60, the frame with a
# key's results waited up to 33 ms (traced in tmux). At 240 that wait is at most 8 ms: typing in the
# demo settled in 35-39 ms instead of 50-58, a bare Textual Input in 31-35 (keylat.py, same run).
# A user's own value wins.
FRAMES_PER_SECOND = 240
os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))

# A lone escape byte may begin a key's escape sequence, so Textual waits ESCDELAY ms for the rest
# before it reads the escape key (``tui.driver`` makes that wait the whole delay, not Textual's 0.1 s
# poll). A terminal sends a sequence's bytes together; 25 ms is what curses programs commonly choose,
# where Textual's 100 made every escape (closing the reader, leaving the search) feel sluggish.
os.environ.setdefault("ESCDELAY", "25")
