"""Small helpers shared by the CLI command modules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from plivocb.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class _State:
    verbose: bool = False


state = _State()


@cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@cache
def out_console() -> Console:
    from rich.console import Console

    return Console()


def parse_assignments(items: list[str], option: str) -> dict[str, str]:
    """`FIELD=VALUE` pairs from a repeatable option."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(
                f"{option} expects FIELD=VALUE, got {item!r}", f"e.g. {option} To=14155550100"
            )
        result[key] = value
    return result


def env_option(flag: str, envvar: str, help: str) -> Any:
    """An option that defaults to an environment variable and never shows its value."""
    return typer.Option(None, flag, envvar=envvar, show_envvar=True, show_default=False, help=help)


def require_http_url(value: str | None, option: str) -> None:
    """Reject anything but an absolute http(s) URL, naming the option."""
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"{option} must be an http(s) URL, got {value!r}",
            f"e.g. {option} http://127.0.0.1:5000",
        )
