"""A small client for Plivo's Application REST API: read an app, update only given fields.

The base URL can be overridden with PLIVOCB_PLIVO_API_URL, which exists for tests (a local
stand-in of the API); real use needs no setting.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import aiohttp

from plivocb.errors import PlivocbError

DEFAULT_API = "https://api.plivo.com"
APP_FIELDS = (
    "answer_url",
    "answer_method",
    "hangup_url",
    "hangup_method",
    "message_url",
    "message_method",
    "fallback_answer_url",
    "fallback_method",
)


class PlivoApiError(PlivocbError):
    """Plivo's API refused or could not be reached."""


def api_base() -> str:
    return os.environ.get("PLIVOCB_PLIVO_API_URL", DEFAULT_API).rstrip("/")


class PlivoApi:
    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        base: str | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 15.0,
    ) -> None:
        self.auth_id = auth_id
        self.auth = aiohttp.BasicAuth(auth_id, auth_token)
        self.base = (base or api_base()).rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout

    def _url(self, app_id: str) -> str:
        return f"{self.base}/v1/Account/{self.auth_id}/Application/{app_id}/"

    async def _request(self, method: str, app_id: str, body: dict[str, str] | None = None) -> Any:
        url = self._url(app_id)
        delay = self.backoff
        async with aiohttp.ClientSession(
            auth=self.auth, timeout=aiohttp.ClientTimeout(total=self.timeout)
        ) as session:
            for attempt in range(self.retries + 1):
                try:
                    async with session.request(method, url, json=body) as resp:
                        text = await resp.text()
                        retryable = resp.status == 429 or resp.status >= 500
                        if retryable and attempt < self.retries:
                            wait = _retry_after(resp.headers.get("Retry-After"), delay)
                            await asyncio.sleep(wait)
                            delay *= 2
                            continue
                        return _decode(resp.status, text, app_id, self.auth_id)
                except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                    if attempt < self.retries:
                        await asyncio.sleep(delay)
                        delay *= 2
                        continue
                    raise PlivoApiError(
                        f"cannot reach Plivo's API at {self.base} ({type(exc).__name__}: {exc})",
                        "check your network connection and try again",
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_app(self, app_id: str) -> dict[str, Any]:
        data = await self._request("GET", app_id)
        if not isinstance(data, dict):
            raise PlivoApiError(f"unexpected reply from Plivo for app {app_id}: {data!r:.200}")
        return data

    async def update_app(self, app_id: str, fields: dict[str, str]) -> None:
        """POST only `fields` (the SDK's update() would send defaults for the rest)."""
        await self._request("POST", app_id, fields)


def _retry_after(header: str | None, default: float) -> float:
    try:
        return min(float(header), 30.0) if header else default
    except ValueError:
        return default


def _decode(status: int, text: str, app_id: str, auth_id: str) -> Any:
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        data = {"raw": text[:200]}
    if status < 300:
        return data
    detail = data.get("error") if isinstance(data, dict) else None
    detail = f": {detail}" if detail else ""
    if status == 401:
        raise PlivoApiError(
            f"Plivo rejected the credentials for {auth_id} (401){detail}",
            "check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (the main account's, from the console)",
        )
    if status == 404:
        raise PlivoApiError(
            f"no Application {app_id} in account {auth_id} (404){detail}",
            "check the app ID in the Plivo console (Voice > Applications)",
        )
    if status == 429:
        raise PlivoApiError(
            f"Plivo is rate limiting this account (429){detail}",
            "wait a minute and try again",
        )
    raise PlivoApiError(f"Plivo's API answered {status}{detail}", "try again later")
