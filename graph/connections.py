"""Relay-style connections for every list: `edges { cursor node }`, `nodes`, `pageInfo` and a
`totalCount` that costs a statement only when it is selected.

Pages are keyset pages (graph/cursors.py): `first`/`after` walk forwards, `last`/`before`
backwards; one extra row is read to know whether another page follows. Sizes are bounded before
any SQL runs: root lists 1 to PERFEX_PAGE_MAX (500; default 50), nested lists 1 to
PERFEX_NESTED_PAGE_MAX per parent (100; default 20).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.relay import PageInfo

from graph.cursors import decode_cursor, encode_cursor, signature
from graph.errors import BadUserInput
from graph.ordering import Sort
from graph.steps import root_only
from settings import limit_settings

T = TypeVar("T")

ROOT_DEFAULT, NESTED_DEFAULT = 50, 20

First = Annotated[int | None, strawberry.argument(description="Rows from the start (or `after`).")]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Rows from the end (or `before`).")]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor.")]


@strawberry.type(description="A row of a list and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this row in this list.")
    node: T = strawberry.field(description="The row.")


@dataclass(frozen=True)
class Page:
    """A validated page request over one order."""

    size: int
    backwards: bool
    position: tuple[tuple[Any, ...], str] | None  # order-key values and id of the cursor row
    order: tuple[Sort, ...]
    signature: str

    @property
    def key(self) -> tuple[Any, ...]:
        """Hashable identity of the page, for loader keys."""
        return (self.size, self.backwards, self.position, self.order)


def page_of(
    type_name: str,
    order: Sequence[Sort],
    types: Sequence[type],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    nested: bool,
) -> Page:
    """Check the page arguments (BadUserInput on any misuse) and decode the cursor."""
    limits = limit_settings()
    maximum = limits.nested_page_max if nested else limits.page_max
    default = min(NESTED_DEFAULT if nested else ROOT_DEFAULT, maximum)
    if first is not None and last is not None:
        raise BadUserInput("give `first` or `last`, not both")
    if (first is not None and before is not None) or (last is not None and after is not None):
        raise BadUserInput("`first` goes with `after`, `last` with `before`")
    if after is not None and before is not None:
        raise BadUserInput("give `after` or `before`, not both")
    backwards = last is not None or before is not None
    size = (last if backwards else first) or default
    for given in (first, last):
        if given is not None and not 1 <= given <= maximum:
            raise BadUserInput(f"a page holds 1 to {maximum} rows, got {given}")
    sig = signature(type_name, order)
    cursor = before if backwards else after
    position = decode_cursor(cursor, sig, types) if cursor is not None else None
    return Page(size, backwards, position, tuple(order), sig)


@strawberry.type(description="One page of a list.")
class Connection(Generic[T]):
    """Cursors are encoded only where selected: `edges` encodes one per row, `pageInfo` the
    first and last, `nodes` none (100 parents with 5 rows each would otherwise encode 500
    cursors that nobody reads)."""

    rows: strawberry.Private[list[Any]]  # the page's rows, in list order
    page: strawberry.Private[Page]
    more: strawberry.Private[bool]  # another page follows in the walking direction
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The rows with their cursors.")
    @root_only
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=cursor_of(row, self.page), node=row) for row in self.rows]

    @strawberry.field(description="Where this page is in the list.")
    @root_only
    def page_info(self) -> PageInfo:
        page, rows = self.page, self.rows
        return PageInfo(
            has_next_page=self.more if not page.backwards else page.position is not None,
            has_previous_page=self.more if page.backwards else page.position is not None,
            start_cursor=cursor_of(rows[0], page) if rows else None,
            end_cursor=cursor_of(rows[-1], page) if rows else None,
        )

    @strawberry.field(description="The rows of this page.")
    @root_only
    def nodes(self) -> list[T]:
        return self.rows

    @strawberry.field(description="Rows matching `where` in the whole list (one more statement).")
    async def total_count(self) -> int:
        return await self.count()


def connection(
    rows: Sequence[Any], page: Page, count: Callable[[], Awaitable[int]], trail: Any = None
) -> Connection[Any]:
    """The Connection of rows read for `page` (at most size + 1, in walking order); the
    request's audit `trail` learns which rows were returned (graph/audit/trail.py)."""
    more = len(rows) > page.size
    listed = list(rows[: page.size])
    if trail is not None:
        trail.paged(listed, rows[page.size] if more else None)
    if page.backwards:
        listed.reverse()
    return Connection(rows=listed, page=page, more=more, count=count)


def cursor_of(row: Any, page: Page) -> str:
    return encode_cursor(page.signature, [getattr(row, s.attribute) for s in page.order], row.id)
