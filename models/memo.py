"""Values kept per object identity, for objects made once and used again and again (a kept
statement, a parsed document): looking them up must not hash or walk the object itself.

Each entry holds its object, so the object's id cannot be reused by another while the entry
is kept; at most `size` entries, the oldest dropped first.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: dict[tuple[int, Hashable], tuple[object, V]] = {}

    def get(self, owner: object, extra: Hashable = None) -> V | None:
        """The value kept for `owner` (the very object) and `extra`, or None."""
        kept = self._kept.get((id(owner), extra))
        return kept[1] if kept is not None and kept[0] is owner else None

    def put(self, owner: object, value: V, extra: Hashable = None) -> V:
        if len(self._kept) >= self._size:
            self._kept.pop(next(iter(self._kept)))  # the oldest
        self._kept[(id(owner), extra)] = (owner, value)
        return value

    def extras(self) -> set[Hashable]:
        """The `extra` keys kept (for tests)."""
        return {extra for _, extra in self._kept}

    def __len__(self) -> int:
        return len(self._kept)
