"""A local stand-in of Plivo's Application REST API (paths, Basic auth, JSON, errors as documented)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from aiohttp import web

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
AUTH_TOKEN = "fake-plivo-auth-token"
APP_ID = "20468599130939380"
UPDATABLE = {
    "app_name", "answer_url", "answer_method", "hangup_url", "hangup_method",
    "fallback_answer_url", "fallback_method", "message_url", "message_method",
    "default_number_app", "default_endpoint_app", "subaccount", "log_incoming_messages", "public_uri",
}  # fmt: skip


class FakePlivo:
    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {
            APP_ID: {
                "app_id": APP_ID,
                "app_name": "my-voice-app",
                "answer_url": "https://prod.example.com/answer",
                "answer_method": "POST",
                "hangup_url": "https://prod.example.com/hangup",
                "hangup_method": "POST",
                "fallback_answer_url": "https://prod.example.com/fallback",
                "fallback_method": "POST",
                "message_url": "",
                "message_method": "POST",
                "default_app": False,
                "default_endpoint_app": False,
                "enabled": True,
                "public_uri": False,
                "sip_uri": f"sip:{APP_ID}@app.plivo.com",
                "sub_account": None,
                "log_incoming_messages": True,
                "resource_uri": f"/v1/Account/{AUTH_ID}/Application/{APP_ID}/",
            }
        }
        self.requests: list[tuple[str, dict[str, Any] | None]] = []
        self.fail_next: list[int] = []
        self.fail_posts: list[int] = []

    def _error(self, status: int, message: str) -> web.Response:
        body = {"api_id": str(uuid.uuid4()), "error": message}
        headers = {"Retry-After": "0"} if status == 429 else {}
        return web.json_response(body, status=status, headers=headers)

    async def handle(self, request: web.Request) -> web.Response:
        auth_id, app_id = request.match_info["auth_id"], request.match_info["app_id"]
        body = await request.json() if request.method == "POST" else None
        self.requests.append((request.method, body))
        expected = "Basic " + base64.b64encode(f"{AUTH_ID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected or auth_id != AUTH_ID:
            return self._error(401, "Authentication credentials invalid")
        if self.fail_next:
            return self._error(self.fail_next.pop(0), "Too many requests")
        if request.method == "POST" and self.fail_posts:
            return self._error(self.fail_posts.pop(0), "Internal server error")
        app = self.apps.get(app_id)
        if app is None:
            return self._error(404, "not found")
        if request.method == "GET":
            return web.json_response({**app, "api_id": str(uuid.uuid4())})
        assert body is not None
        unknown = set(body) - UPDATABLE
        if unknown:
            return self._error(400, f"unknown fields {sorted(unknown)}")
        app.update(body)
        return web.json_response({"message": "changed", "api_id": str(uuid.uuid4())}, status=202)

    def updates(self) -> list[dict[str, Any]]:
        return [b for m, b in self.requests if m == "POST" and b is not None]

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/v1/Account/{auth_id}/Application/{app_id}/", self.handle)
        return app


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2)
