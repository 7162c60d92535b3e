"""Small helpers shared by the CLI command modules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

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
