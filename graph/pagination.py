"""Page-size rules for every list field: bounded, so no query can ask for a whole table."""

from __future__ import annotations

from graph.errors import BadUserInput

ROOT_DEFAULT, ROOT_MAX = 50, 500
NESTED_DEFAULT, NESTED_MAX = 20, 100
MAX_OFFSET = 100_000


def check_page(limit: int, offset: int, *, nested: bool = False) -> None:
    """Raise BadUserInput unless 1 <= limit <= the maximum and 0 <= offset <= MAX_OFFSET."""
    maximum = NESTED_MAX if nested else ROOT_MAX
    if not 1 <= limit <= maximum:
        raise BadUserInput(f"limit must be between 1 and {maximum}, got {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise BadUserInput(f"offset must be between 0 and {MAX_OFFSET}, got {offset}")
