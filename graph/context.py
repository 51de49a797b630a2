"""The request context: built here and nowhere else.

It carries the authenticated principal, the request's tenant-scoped database access and the
request's dataloaders. Everything a resolver may read about the caller comes from here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from graph.auth import Principal
from graph.dataloaders import Loaders
from graph.session import RequestDatabase

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_of(connection: HTTPConnection) -> str:
    """The caller's X-Request-Id when it is well-formed, else a new one (never echo junk)."""
    given = connection.headers.get("x-request-id", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


@dataclass
class Context:
    principal: Principal
    db: RequestDatabase
    request_id: str
    loaders: Loaders = field(init=False)
    memo: dict[Any, Any] = field(default_factory=dict)  # per-request results of arguments
    trail: Any = None  # the request's audit trail (graph/audit/trail.py)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


def build_context(principal: Principal, db: RequestDatabase, request_id: str) -> Context:
    """A fresh context: the request's session (scoped to the principal's organization, the
    one that checked the membership) and its own loaders."""
    if db.organization_id != principal.organization_id:
        raise ValueError("the request's session belongs to another organization")
    return Context(principal=principal, db=db, request_id=request_id)
