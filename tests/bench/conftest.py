"""The benchmark's package (`bench/`, at the repository root) is imported by these tests; the
root is on sys.path with `python -m pytest` but not with a bare `pytest`, so it is added here."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
