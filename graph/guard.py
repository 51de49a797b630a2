"""Work that stops when nobody waits for it any more: the client hung up.

The request's time limit is an `asyncio.timeout` around the whole request (graph/app.py);
this module adds the other reason to stop, a client that disconnects while its operation
runs. Either way the work is cancelled, and the cancellation reaches the SQL it is running
(graph/session.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.types import Receive

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before the answer was ready; the work was cancelled."""


async def _disconnected(receive: Receive) -> None:
    """Returns when the server reports the client gone. The request body has been read
    already; an empty `http.request` (a GET's) is not news."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def unless_disconnected(work: Coroutine[Any, Any, T], receive: Receive) -> T:
    """The result of `work`, run while watching `receive` for `http.disconnect`: ClientGone
    (after cancelling the work) when the client goes first. When the caller is cancelled (the
    time limit), the work is cancelled too, and awaited, before the cancellation goes on."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        task.cancel()  # no-op when it is done
        watcher.cancel()
        for pending in (task, watcher):
            # Wait for both to end (the work's SQL is stopped by then), even if cancelled again.
            while not pending.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait({pending})
    if not watcher.cancelled():
        watcher.exception()  # retrieved; a receive() that failed counts as a client gone
    if task.cancelled():
        raise ClientGone
    return task.result()
