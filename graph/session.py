"""The request's database access: one tenant-scoped session, one task at a time.

Dataloader batches run concurrently (aiodataloader schedules each with ensure_future) and an
AsyncSession must never serve two tasks at once, so every statement goes through a lock.
The session opens lazily and lives for the request; `close()` ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tenancy import TENANT_KEY


class RequestFinished(RuntimeError):
    """A statement was attempted after the request's database access was closed."""


class RequestDatabase:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], organization_id: str) -> None:
        self._sessions = sessions
        self._organization_id = organization_id
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def organization_id(self) -> str:
        return self._organization_id

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`: some statements take each engine's best form."""
        return str(self._sessions.kw["bind"].dialect.name)

    def _open(self) -> AsyncSession:
        if self._closed:
            # A loader batch scheduled by a request that has already answered (its other
            # fields failed): refuse, so no connection is opened that nobody would close.
            raise RequestFinished("the request is over; no new statement may run")
        if self._session is None:
            self._session = self._sessions(info={TENANT_KEY: self._organization_id})
        return self._session

    async def all(self, statement: Select[Any]) -> Sequence[Any]:
        """The ORM objects a single-entity SELECT returns."""
        async with self._lock:
            result = await self._open().scalars(statement)
            return result.all()

    async def rows(self, statement: Select[Any]) -> Sequence[Any]:
        """The rows of a multi-column SELECT."""
        async with self._lock:
            result = await self._open().execute(statement)
            return result.all()

    async def scalar(self, statement: Select[Any]) -> Any:
        """The first column of the first row of a SELECT (e.g. a COUNT)."""
        async with self._lock:
            return await self._open().scalar(statement)

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
