"""RIS's line format, which the RIS importer reads and the RIS exporter writes (neither imports the other)."""

from __future__ import annotations

import re

RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
"""A tagged RIS line; a line that is not one goes on with the value above it."""
