"""The long fuzz run, on demand: the properties of tests/reliability/test_fuzz.py with many examples.

Run: .venv/bin/python tests/bench/fuzz_hostile.py [EXAMPLES]   (default 5000 per property)
CI runs the same properties with 40 examples each; this prints hypothesis's statistics.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    os.environ["PAPERSHELF_FUZZ_EXAMPLES"] = argv[0] if argv else "5000"
    target = str(ROOT / "tests" / "reliability" / "test_fuzz.py")
    return int(pytest.main([target, "-q", "--hypothesis-show-statistics", "-p", "no:cacheprovider"]))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
