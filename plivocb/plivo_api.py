"""A small client for Plivo's Application REST API: read an app, update only given fields.

The base URL, retry backoff and time limit come from `plivocb.environment.Environment`
(PLIVOCB_PLIVO_API_URL and PLIVOCB_API_TIMEOUT for the command; tests point the URL at a local
stand-in of the API); real use needs no setting.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp

from plivocb.environment import DEFAULT_API_TIMEOUT, DEFAULT_PLIVO_API_URL, DEFAULT_RETRY_BACKOFF
from plivocb.errors import ExitCode, ServiceError
from plivocb.form import decode_text

DEFAULT_API = DEFAULT_PLIVO_API_URL
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


MAX_REPLY_BYTES = 1 << 20  # an Application is ~1 KB of JSON
MAX_RETRY_AFTER = 10.0  # seconds: a longer Retry-After is waited this long at most


class PlivoApiError(ServiceError):
    """Plivo's API refused or could not be reached (exit 3; 2 for credentials and app IDs)."""


class PlivoApi:
    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        base: str | None = None,
        retries: int = 3,
        backoff: float = DEFAULT_RETRY_BACKOFF,
        timeout: float = 15.0,
        total: float = DEFAULT_API_TIMEOUT,
    ) -> None:
        self.auth_id = auth_id
        # HTTP Basic auth built by hand: aiohttp 3.14 deprecates BasicAuth (gone in 4.0)
        basic = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {basic}"}
        self.base = (base or DEFAULT_PLIVO_API_URL).rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.total = total  # seconds per operation, retries included (PLIVOCB_API_TIMEOUT)

    def _url(self, app_id: str) -> str:
        return f"{self.base}/v1/Account/{self.auth_id}/Application/{app_id}/"

    async def _request(self, method: str, app_id: str, body: dict[str, str] | None = None) -> Any:
        """One operation, retries included, within `self.total` seconds."""
        try:
            async with asyncio.timeout(self.total):
                return await self._attempts(method, app_id, body)
        except TimeoutError:
            raise PlivoApiError(
                f"Plivo's API did not complete the {method} of app {app_id} within "
                f"{self.total:g} s (retries included); nothing more was sent",
                "check your network and try again (PLIVOCB_API_TIMEOUT sets the limit)",
            ) from None

    async def _attempts(self, method: str, app_id: str, body: dict[str, str] | None) -> Any:
        url = self._url(app_id)
        delay = self.backoff
        async with aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
        ) as session:
            for attempt in range(self.retries + 1):
                try:
                    async with session.request(method, url, json=body) as resp:
                        text = await _read_text(resp)
                        retryable = resp.status == 429 or resp.status >= 500
                        if retryable and attempt < self.retries:
                            wait = _retry_after(resp.headers.get("Retry-After"), delay)
                            await asyncio.sleep(wait)
                            delay *= 2
                            continue
                        return _decode(resp.status, text, app_id, self.auth_id)
                except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
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
        """The Application's JSON, checked: anything else (HTML, an error object, missing or
        mistyped fields, another app's ID) raises, so nothing is ever saved or changed from it."""
        data = await self._request("GET", app_id)
        problem = application_problem(data, app_id)
        if problem:
            raise PlivoApiError(
                f"Plivo's reply for app {app_id} is not the Application ({problem}); "
                "nothing was changed",
                "try again; if it persists, check the app in the Plivo console",
            )
        assert isinstance(data, dict)
        return data

    async def update_app(self, app_id: str, fields: dict[str, str]) -> None:
        """POST only `fields` (the SDK's update() would send defaults for the rest)."""
        await self._request("POST", app_id, fields)


def application_problem(data: Any, app_id: str) -> str:
    """Why `data` is not Application `app_id`'s JSON ("" when it is)."""
    if not isinstance(data, dict):
        return f"got {type(data).__name__}, not a JSON object"
    if "raw" in data and len(data) == 1:
        return f"not JSON: {str(data['raw'])[:60]!r}"
    if "error" in data:
        return f"an error: {str(data['error'])[:100]!r}"
    if str(data.get("app_id", "")) != app_id:
        return f"app_id is {str(data.get('app_id'))[:40]!r}"
    for name in APP_FIELDS:
        if name not in data:
            return f"missing field {name}"
        if data[name] is not None and not isinstance(data[name], str):
            return f"field {name} is {type(data[name]).__name__}, not a string"
    if not data.get("answer_url"):
        return "its answer_url is empty"
    return ""


async def _read_text(resp: aiohttp.ClientResponse) -> str:
    """The reply as text, at most MAX_REPLY_BYTES (an Application is about a kilobyte)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise PlivoApiError(
                f"Plivo's API replied with more than {MAX_REPLY_BYTES} bytes; nothing was changed",
                "try again later",
            )
        chunks.append(chunk)
    return decode_text(b"".join(chunks), resp.charset)


def _retry_after(header: str | None, default: float) -> float:
    """Seconds to wait before a retry: Retry-After (seconds) capped at MAX_RETRY_AFTER."""
    try:
        value = float(header) if header else default
    except ValueError:
        return default
    if value != value or value < 0:  # NaN or negative
        return default
    return min(value, MAX_RETRY_AFTER)


def _decode(status: int, text: str, app_id: str, auth_id: str) -> Any:
    try:
        data = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):
        data = {"raw": text[:200]}
    if status < 300:
        return data
    detail = data.get("error") if isinstance(data, dict) else None
    detail = f": {detail}" if detail else ""
    if status == 401:
        raise PlivoApiError(
            f"Plivo rejected the credentials for {auth_id} (401){detail}",
            "check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (the main account's, from the console)",
            exit_code=ExitCode.USAGE,
        )
    if status == 404:
        raise PlivoApiError(
            f"no Application {app_id} in account {auth_id} (404){detail}",
            "check the app ID in the Plivo console (Voice > Applications)",
            exit_code=ExitCode.USAGE,
        )
    if status == 429:
        raise PlivoApiError(
            f"Plivo is rate limiting this account (429){detail}",
            "wait a minute and try again",
        )
    raise PlivoApiError(f"Plivo's API answered {status}{detail}", "try again later")
