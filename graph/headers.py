"""Headers every response carries, in every mode: answers hold patient data.

- `Cache-Control: no-store`, unless the response chose its own caching (the GraphiQL assets
  are public, versioned files): no browser, proxy or CDN keeps a copy of an answer.
- `X-Content-Type-Options: nosniff`: a browser never reinterprets JSON as HTML or script.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = "no-store"
NOSNIFF = "nosniff"


class SecurityHeaders:
    """ASGI middleware adding the module's headers to HTTP responses that lack them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"cache-control" not in present:
                    headers.append((b"cache-control", NO_STORE.encode()))
                if b"x-content-type-options" not in present:
                    headers.append((b"x-content-type-options", NOSNIFF.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
