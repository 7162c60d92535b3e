"""Fixture format v1: one recorded callback per TOML file (see docs/fixture-format.md).

`to_toml`/`from_toml` are the one pair of converters; `save` writes atomically and never
clobbers; `iter_paths`/`load` stream fixtures from files, directories and globs.
"""

from __future__ import annotations

import base64
import glob
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plivocb import toml_fast
from plivocb.signature import VERDICTS

try:  # tomli's compiled wheels parse ~4x faster than the pure-Python stdlib tomllib
    import tomli as toml_reader
except ImportError:  # pragma: no cover - tomli is a dependency; tomllib is the same parser
    import tomllib as toml_reader  # type: ignore[no-redef]
from plivocb.errors import FixtureError, UsageError
from plivocb.inert import visible
from plivocb.safe_files import Skip, UnreadableFile, not_regular, read_regular, skip_to_stderr, walk

FORMAT_KEY = "plivocb_fixture"
FORMAT_VERSION = 1
# Who produced a recorded response: the app (forwarded), plivocb's own answer (not forwarding,
# or --strict rejecting), or plivocb's fallback because the app was down or too slow.
ORIGINS = ("app", "plivocb", "fallback")
TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class Request:
    method: str
    public_url: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), default)


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str = ""
    body: str = ""
    elapsed_ms: float = 0.0
    forwarded_to: str = ""
    error: str = ""
    origin: str = "app"  # one of ORIGINS; only "app" responses are a baseline for --compare

    @property
    def is_baseline(self) -> bool:
        return self.origin == "app"


@dataclass(frozen=True)
class Signature:
    verdict: str = "unchecked"
    family: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Fixture:
    kind: str
    received_at: datetime
    request: Request
    params: dict[str, list[str]] = field(default_factory=dict)
    signature: Signature = field(default_factory=Signature)
    response: Response | None = None
    redacted: bool = False
    path: Path | None = field(default=None, compare=False)  # the file it was loaded from

    def with_(self, **changes: Any) -> Fixture:
        return replace(self, **changes)

    def param(self, name: str, default: str = "") -> str:
        """The first value of param `name` (Plivo sends each once), or `default`."""
        values = self.params.get(name)
        return values[0] if values else default


# ---------------------------------------------------------------- TOML conversion

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")  # RFC 9110 token: methods, header names
_BREAKS = re.compile("[\r\n\x00]")


def request_problem(req: Request) -> str:
    """Why this request cannot be sent as recorded ("" when it can): replay must not be steered.

    A CR/LF would split the request line or a header; a path not starting with `/` (e.g.
    `@127.0.0.1:18101/x`) would change the host once appended to `--to`.
    """
    if not _TOKEN.fullmatch(req.method):
        return f"request.method {req.method!r:.40} is not an HTTP method"
    if not req.path.startswith("/") or _BREAKS.search(req.path):
        return f"request.path {req.path!r:.60} must start with / and hold no CR, LF or NUL"
    if _BREAKS.search(req.query):
        return "request.query holds a CR, LF or NUL"
    for name, value in req.headers:
        if not _TOKEN.fullmatch(name):
            return f"request.headers: {name!r:.40} is not a header name"
        if _BREAKS.search(value):
            return f"request.headers.{name} holds a CR, LF or NUL"
    return ""


def _body_out(body: bytes) -> dict[str, str]:
    try:
        return {"body_encoding": "utf-8", "body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_encoding": "base64", "body": base64.b64encode(body).decode("ascii")}


def _headers_out(headers: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    """Headers as a TOML table; a name sent more than once holds an array of its values."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}


def to_dict(fx: Fixture) -> dict[str, Any]:
    req = fx.request
    data: dict[str, Any] = {
        FORMAT_KEY: FORMAT_VERSION,
        "kind": fx.kind,
        "received_at": fx.received_at,
        "redacted": fx.redacted,
        "request": {
            "method": req.method,
            "public_url": req.public_url,
            "path": req.path,
            "query": req.query,
            "headers": _headers_out(req.headers),
            **_body_out(req.body),
        },
        "params": {k: v[0] if len(v) == 1 else list(v) for k, v in fx.params.items()},
        "signature": {
            "verdict": fx.signature.verdict,
            "family": fx.signature.family,
            "detail": fx.signature.detail,
        },
    }
    if fx.response is not None:
        r = fx.response
        data["response"] = {
            "status": r.status,
            "content_type": r.content_type,
            "elapsed_ms": r.elapsed_ms,
            "forwarded_to": r.forwarded_to,
            "error": r.error,
            "origin": r.origin,
            "body": r.body,
        }
    return data


def to_toml(fx: Fixture) -> str:
    return toml_fast.dumps(to_dict(fx))


class _Reader:
    """Typed access to a parsed document; every mistake names the file and the field."""

    def __init__(self, source: object, data: dict[str, Any]) -> None:
        self.source = source
        self.data = data

    def fail(self, problem: str) -> FixtureError:
        return FixtureError(self.source, problem)

    def table(self, name: str, required: bool = True) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"missing table [{name}]")
        return value

    def get(
        self, table: dict[str, Any], key: str, typ: type, where: str, default: Any = ...
    ) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(f"missing field `{where}{key}`")
            return default
        value = table[key]
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise self.fail(f"field `{where}{key}` must be {typ.__name__}, got {value!r:.60}")
        return value


def from_dict(data: dict[str, Any], source: object = "<fixture>") -> Fixture:
    r = _Reader(source, data)
    version = data.get(FORMAT_KEY)
    if version is None:
        raise r.fail(f"not a plivocb fixture (no `{FORMAT_KEY}` version key)")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise FixtureError(
            source,
            f"fixture format version {version!r} is not supported (this plivocb reads 1)",
            "upgrade plivocb, or re-record the fixture",
        )
    kind = r.get(data, "kind", str, "")
    received = r.get(data, "received_at", datetime, "")
    if received.tzinfo is None or received.utcoffset() is None:
        raise r.fail(
            f"received_at {received.isoformat()} has no UTC offset (write e.g. "
            "2026-11-26T22:40:01Z): naive and aware times cannot be ordered together"
        )
    try:
        received.astimezone(UTC)
    except OverflowError:
        raise r.fail(f"received_at {received.isoformat()} is out of range in UTC") from None
    req = r.table("request")
    assert req is not None
    encoding = r.get(req, "body_encoding", str, "request.", "utf-8")
    raw_body = r.get(req, "body", str, "request.", "")
    if encoding == "utf-8":
        body = raw_body.encode("utf-8")
    elif encoding == "base64":
        try:
            body = base64.b64decode(raw_body, validate=True)
        except ValueError as exc:
            raise r.fail(f"request.body is not valid base64: {exc}") from None
    else:
        raise r.fail(f"request.body_encoding must be 'utf-8' or 'base64', got {encoding!r}")
    headers: list[tuple[str, str]] = []
    for name, value in r.get(req, "headers", dict, "request.", {}).items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise r.fail(f"request.headers.{name} must be a string or a list of strings")
        headers.extend((name, v) for v in values)
    request = Request(
        method=r.get(req, "method", str, "request."),
        public_url=r.get(req, "public_url", str, "request.", ""),
        path=r.get(req, "path", str, "request.", "/"),
        query=r.get(req, "query", str, "request.", ""),
        headers=tuple(headers),
        body=body,
    )
    problem = request_problem(request)
    if problem:
        raise r.fail(problem)
    params: dict[str, list[str]] = {}
    for key, value in (r.table("params", required=False) or {}).items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise r.fail(f"params.{key} must be a string or a list of strings")
        params[key] = list(values)
    sig_table = r.table("signature", required=False) or {}
    verdict = r.get(sig_table, "verdict", str, "signature.", "unchecked")
    if verdict not in VERDICTS:
        raise r.fail(f"signature.verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    signature = Signature(
        verdict,
        r.get(sig_table, "family", str, "signature.", ""),
        r.get(sig_table, "detail", str, "signature.", ""),
    )
    response = None
    resp = r.table("response", required=False)
    if resp is not None:
        # Files written before `origin` existed: an error meant plivocb's fallback answered.
        error = r.get(resp, "error", str, "response.", "")
        origin = r.get(resp, "origin", str, "response.", "fallback" if error else "app")
        if origin not in ORIGINS:
            raise r.fail(f"response.origin must be one of {', '.join(ORIGINS)}, got {origin!r}")
        response = Response(
            status=r.get(resp, "status", int, "response."),
            content_type=r.get(resp, "content_type", str, "response.", ""),
            body=r.get(resp, "body", str, "response.", ""),
            elapsed_ms=r.get(resp, "elapsed_ms", float, "response.", 0.0),
            forwarded_to=r.get(resp, "forwarded_to", str, "response.", ""),
            error=error,
            origin=origin,
        )
    return Fixture(
        kind=kind,
        received_at=received,
        request=request,
        params=params,
        signature=signature,
        response=response,
        redacted=r.get(data, "redacted", bool, "", False),
    )


def from_toml(text: str, source: object = "<fixture>") -> Fixture:
    try:
        data = toml_reader.loads(text)
    except toml_reader.TOMLDecodeError as exc:
        raise FixtureError(source, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise FixtureError(source, "not valid TOML: nested deeper than the parser allows") from None
    except (ValueError, OverflowError) as exc:  # e.g. a date the datetime type cannot hold
        raise FixtureError(source, f"not valid TOML: {exc}") from None
    return from_dict(data, source)


# ---------------------------------------------------------------- files

_UNSAFE = re.compile(r"[^A-Za-z0-9]")
_sequence = itertools.count(1)  # final names: 1, 2, 3… in arrival order
_temp_sequence = itertools.count(1)  # temp names, kept apart so final numbers have no gaps


def safe_token(value: str, limit: int = 8) -> str:
    """Untrusted text reduced to [A-Za-z0-9], for use inside a file name."""
    return _UNSAFE.sub("", value)[:limit]


def file_name(fx: Fixture, sequence: int, ident: str = "") -> str:
    """`<UTC time>-<seq>-<kind>[-<id>].toml`: sorts by arrival, only [A-Za-z0-9._-]."""
    stamp = fx.received_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kind = safe_token(fx.kind.replace("_", ""), 16) or "other"
    token = safe_token(ident)
    return f"{stamp}-{sequence:06d}-{kind}{'-' + token if token else ''}.toml"


def _write_new(temp: Path, data: bytes) -> None:
    """Write `temp` completely or not at all: a failed write (disk full…) leaves no file behind."""
    try:
        temp.write_bytes(data)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def save(fx: Fixture, directory: Path, ident: str = "") -> Path:
    """Write atomically (temp file, then a no-clobber link) and return the final path."""
    data = to_toml(fx).encode("utf-8")
    temp = directory / f".{os.getpid()}-{next(_temp_sequence)}{TEMP_SUFFIX}"
    try:
        _write_new(temp, data)
    except FileNotFoundError:  # first write into a new directory
        directory.mkdir(parents=True, exist_ok=True)
        _write_new(temp, data)
    try:
        while True:
            target = directory / file_name(fx, next(_sequence), ident)
            try:
                os.link(temp, target)
                return target
            except FileExistsError:
                continue
            except OSError:  # no hard links here: fall back to a checked rename
                if target.exists():
                    continue
                os.replace(temp, target)
                return target
    finally:
        temp.unlink(missing_ok=True)


def replace_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` via a temp file; the temp file never outlives a failure."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    _write_new(temp, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_in_place(fx: Fixture, path: Path) -> None:
    """Atomically replace an existing fixture file with new content."""
    replace_atomically(path, to_toml(fx).encode("utf-8"))


def load(path: Path) -> Fixture:
    """One fixture file: regular, bounded, UTF-8 named and encoded, or a FixtureError naming it."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise FixtureError(
            visible(str(path)), "file name is not valid UTF-8", "rename the file"
        ) from None
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        raise FixtureError(path, "is not UTF-8 text") from None
    except UnreadableFile as exc:
        raise FixtureError(path, exc.reason) from None
    return replace(from_toml(text, path), path=path)


def is_fixture_name(name: str) -> bool:
    return name.endswith(".toml") and not name.startswith(".")


def iter_paths(specs: Iterable[str], on_skip: Skip = skip_to_stderr) -> Iterator[Path]:
    """Fixture files named by files, directories (sorted, not recursive into dot dirs) or globs.

    FIFOs, devices, symlink loops and symlinks leading outside a given directory are skipped
    with a message through `on_skip`, never opened.
    """
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            yield from walk(path, is_fixture_name, on_skip)
        elif path.is_file():
            yield path
        elif path.exists() or path.is_symlink():
            on_skip(path, not_regular(path) or "not a regular file")
        elif glob.has_magic(spec):
            for match in sorted(glob.iglob(spec, recursive=True)):
                p = Path(match)
                if p.is_dir():
                    yield from walk(p, is_fixture_name, on_skip)
                elif is_fixture_name(p.name):
                    problem = not_regular(p)
                    if problem:
                        on_skip(p, problem)
                    else:
                        yield p
        else:
            raise UsageError(
                f"no such file or directory: {spec}",
                "check the path; `plivocb listen` records to fixtures/recorded by default",
            )
