"""Helpers of every bench-made server that import neither Strawberry nor the API's code."""

from __future__ import annotations

import os
import re
from typing import Any

import jwt
import orjson
from sqlalchemy.engine import URL
from starlette.responses import Response

from bench.config import AUDIENCE, ISSUER, SECRET
from graph.ids import InvalidId, decode

ENV_URL = "BENCH_DATABASE_URL"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def database_url() -> URL:
    from settings import parse_database_url

    return parse_database_url(os.environ[ENV_URL])


def raw_id(value: str, type_name: str) -> str:
    """A raw row id from a raw id or a global ID of `type_name`."""
    try:
        found, row_id = decode(value)
    except InvalidId:
        return value
    return row_id if found == type_name else value


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def error(message: str, status: int) -> Response:
    return json_response({"errors": [{"message": message}]}, status)


class Unauthenticated(Exception):
    pass


def claims(authorization: str | None) -> tuple[str, str]:
    """(user id, organization id) of a bearer token, verified as `graph.auth.verify_token` does
    (signature, algorithm, type, time, issuer, audience, claim shapes)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("missing")
    try:
        decoded = jwt.decode_complete(
            token.strip(),
            key=SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=30,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthenticated("invalid") from None
    if str(decoded["header"].get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
        raise Unauthenticated("wrong type")
    payload = decoded["payload"]
    user_id, organization_id = payload.get("sub"), payload.get("org")
    if not (isinstance(user_id, str) and _UUID.fullmatch(user_id)):
        raise Unauthenticated("bad claims")
    if not (isinstance(organization_id, str) and _UUID.fullmatch(organization_id)):
        raise Unauthenticated("bad claims")
    return user_id, organization_id
