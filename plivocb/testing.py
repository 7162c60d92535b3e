"""Helpers for developers' test suites (used by the pytest plugin; framework-agnostic)."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from plivocb.callbacks import group_uuid
from plivocb.errors import FixtureError
from plivocb.fixture.model import Fixture
from plivocb.fixture.store import is_fixture_name, iter_paths, load
from plivocb.signed_request import build as build_signed


@dataclass(frozen=True)
class SignedRequest:
    """A callback ready for any test client: method, URL (and path), headers, raw body."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, list[str]]

    @property
    def path(self) -> str:
        """Path and query, for test clients that take a relative URL."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def form(self) -> dict[str, str]:
        """Single-valued params, for clients that want a dict (e.g. Flask's `data=`)."""
        return {k: v[0] for k, v in self.params.items() if v}


def signed_request(
    source: Fixture | Mapping[str, str | list[str]],
    url: str,
    auth_token: str,
    method: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> SignedRequest:
    """A Plivo-signed request (V3, V2 and -Ma- headers) of `source`'s params for `url`."""
    if isinstance(source, Fixture):
        params = {k: list(v) for k, v in source.params.items()}
        method = method or source.request.method
    else:
        params = {k: [v] if isinstance(v, str) else list(v) for k, v in source.items()}
    method = (method or "POST").upper()
    for key, value in (overrides or {}).items():
        params[key] = [value]
    req = build_signed(method, url, params, auth_token)
    return SignedRequest(req.method, req.url, dict(req.headers), req.body, params)


class FixtureSet:
    """Fixtures in one directory, by name, glob, kind or call."""

    def __init__(self, directory: Path, missing_hint: str = "check the directory's path") -> None:
        self.directory = directory
        self.missing_hint = missing_hint  # how the caller's users point at another directory

    def paths(self) -> list[Path]:
        if not self.directory.is_dir():
            raise FixtureError(self.directory, "no such fixture directory", self.missing_hint)
        return list(iter_paths([str(self.directory)]))

    def load(self, name: str) -> Fixture:
        """One fixture by file name, stem, or path relative to the directory."""
        candidates = [self.directory / name, self.directory / f"{name}.toml"]
        for candidate in candidates:
            if candidate.is_file() and is_fixture_name(candidate.name):
                return load(candidate)
        names = [str(p.relative_to(self.directory)) for p in self.paths()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
        hint = (
            f"closest: {', '.join(close)}" if close else f"{len(names)} fixtures in the directory"
        )
        raise FixtureError(self.directory / name, "no such fixture", hint)

    def glob(self, pattern: str) -> list[Fixture]:
        return [
            load(p)
            for p in self.paths()
            if fnmatch.fnmatch(str(p.relative_to(self.directory)), pattern)
            or fnmatch.fnmatch(p.name, pattern)
        ]

    def all(self) -> list[Fixture]:
        return [load(p) for p in self.paths()]

    def kind(self, kind: str) -> list[Fixture]:
        return [f for f in self.all() if f.kind == kind]

    def call(self, uuid: str) -> list[Fixture]:
        """Every callback of one call or message, in recorded order."""
        return sorted((f for f in self.all() if group_uuid(f.params) == uuid), key=_arrival)


def _arrival(f: Fixture) -> Any:
    return f.received_at


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    text: str


async def replay_to_client(
    client: Any, fixtures: Fixture | Iterable[Fixture], auth_token: str
) -> list[Reply]:
    """Send fixtures (in order) through an aiohttp test client, re-signed for its URL."""
    items = [fixtures] if isinstance(fixtures, Fixture) else sorted(fixtures, key=_arrival)
    replies: list[Reply] = []
    for fx in items:
        url = str(client.make_url(fx.request.path))
        if fx.request.query and fx.request.method.upper() != "GET":
            url += f"?{fx.request.query}"  # for GET, the params are rebuilt into the query
        req = signed_request(fx, url, auth_token)
        async with client.request(
            req.method, req.path, data=req.body or None, headers=req.headers
        ) as resp:
            replies.append(Reply(resp.status, dict(resp.headers), await resp.text()))
    return replies
