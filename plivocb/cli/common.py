"""Small helpers shared by the CLI command modules."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from plivocb import defaults
from plivocb.environment import Environment
from plivocb.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from plivocb.plivo_api import PlivoApi


@dataclass
class _State:
    """The current run: set by `plivocb.cli.main(argv, env)` before any command runs."""

    verbose: bool = False
    env: Environment = field(default_factory=Environment.from_process)


state = _State()


# Options objects' fields whose flag is not the field's name with dashes: `ListenOptions.app_id`
# is `listen --app`; a list field collects a repeated flag (`ignore_paths`: `--ignore-path`).
_RENAMED_FLAGS = {
    "app_id": "--app",  # listen
    "ignore_paths": "--ignore-path",
    "kinds": "--kind",  # replay
    "calls": "--call",
    "routes": "--route",
    "overrides": "--set",
    "keep_headers": "--keep-header",
    "sign": "--no-sign",
    "stream_timing": "--timing",
    "frm": "--from",  # simulate call
    "inputs": "--input",
    "dials": "--dial",
    "records": "--record",
}


def flag_name(option: str) -> str:
    """The command-line flag of an options object's field: `max_duration` is `--max-duration`.

    One namer for every command: a field has the same flag wherever it appears (`port` is
    `--port` of listen and of inspect; listen's inspector port is the field `inspect_port`)."""
    return _RENAMED_FLAGS.get(option) or "--" + option.replace("_", "-")


def env() -> Environment:
    """The environment of the current CLI run."""
    return state.env


def err_console() -> Console:
    return state.env.err_console()


def out_console() -> Console:
    return state.env.out_console()


def plivo_api(auth_id: str, auth_token: str) -> PlivoApi:
    """A client of Plivo's API as this run's environment sets it up (URL, backoff, time limit)."""
    from plivocb.plivo_api import PlivoApi

    run = state.env
    return PlivoApi(
        auth_id,
        auth_token,
        run.plivo_api_url,
        backoff=run.retry_backoff,
        total=run.check_api_timeout(),
    )


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


def _more_than_zero(value: float | None) -> float | None:
    """Typer's `min=` includes the bound: options that must be positive say so here."""
    if value is not None and not value > 0:
        raise typer.BadParameter(f"{value:g} is not in the range x>0.")
    return value


def positive_option(default: float, *flags: str, help: str, **kwargs: Any) -> Any:
    """A number of seconds, bytes… that must be more than 0 (shown as [x>0] in --help)."""
    return typer.Option(default, *flags, callback=_more_than_zero, help=f"{help} [x>0]", **kwargs)


PORT_RANGE: dict[str, Any] = {"min": 0, "max": defaults.PORT_MAX}  # 0: any free port


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


def _probe_writable(directory: Path) -> str:
    """'' when a file can be created in `directory`, else the reason (works for root too)."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".plivocb-probe-"):
            return ""
    except OSError as exc:
        return exc.strerror or str(exc)


def require_output_file(path: Path, option: str) -> None:
    """A file we will write later: not a directory, in an existing, writable directory."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory", f"name a file, e.g. {path / 'x'}")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(
            f"{option} {path}: the directory {parent} does not exist",
            f"create it first (mkdir -p {parent}) or pick another path",
        )
    problem = _probe_writable(parent)
    if problem or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(
            f"{option} {path} is not writable ({problem or 'permission denied'})",
            "pick a path you can write to",
        )


def require_output_dir(path: Path, option: str) -> None:
    """A directory we will write into: created if missing, must be a writable directory."""
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{option} {path} is a file, not a directory", f"pass a directory to {option}"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{option} {path} cannot be created ({exc.strerror or exc})",
            "pick a directory you can write to",
        ) from None
    problem = _probe_writable(path)
    if problem:
        raise UsageError(
            f"{option} {path} is not writable ({problem})", "pick a directory you can write to"
        )
