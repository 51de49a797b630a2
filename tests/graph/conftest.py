"""Fixtures of the API tests: `api`, the one way to get a client of the app (see api_client.py)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator

import pytest
from api_client import Api

from settings import ENV_PREFIX, AuthSettings


def _auth_settings() -> AuthSettings:
    """HS256 with a secret of this run only; no PERFEX_JWT_* of the developer's shell counts."""
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIX):
                env.delenv(name)
        return AuthSettings(
            algorithms=("HS256",),
            secret=secrets.token_urlsafe(48),
            public_key=None,
            private_key=None,
        )


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[Api]:
    """`await api(database, org=..., roles=..., token=...)`: a client of the app on `database`
    signed in as a member (Api.__call__ says how it is chosen). Apps and clients are closed at
    the end of the module."""
    async with contextlib.AsyncExitStack() as stack:
        yield Api(_auth_settings(), stack)
