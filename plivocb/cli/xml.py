"""`plivocb xml check`: validate Plivo XML files the way Plivo reads them."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from plivocb import defaults
from plivocb.choices import XmlDocument
from plivocb.errors import ExitCode

app = typer.Typer(help="Check Plivo XML documents.", no_args_is_help=True)


def _read(name: str, limit: int) -> bytes:
    """At most `limit` bytes of a file, or of stdin for `-` (the checker flags anything larger)."""
    if name == "-":
        return sys.stdin.buffer.read(limit)
    with Path(name).open("rb") as handle:
        return handle.read(limit)


@app.command("check")
def check(
    files: list[str] = typer.Argument(..., help="XML files to check; - reads stdin."),
    for_: XmlDocument = typer.Option(
        defaults.XML_DOCUMENT,
        "--for",
        help="answer: a voice document (answer, action, redirect URLs); "
        "message: a message URL reply (only <Message>).",
    ),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
) -> None:
    """Print each problem with its line. Exit 0 valid, 1 problems, 2 unreadable."""
    from plivocb.inert import visible
    from plivocb.plivoxml import ERROR, check
    from plivocb.plivoxml.check import MAX_PARSE_BYTES

    unreadable = failed = 0
    for name in files:
        shown = "<stdin>" if name == "-" else visible(name)
        try:
            body = _read(name, MAX_PARSE_BYTES + 1)
        except OSError as exc:
            unreadable += 1
            print(f"{shown}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            continue
        found = check(body, None, for_.value)
        bad = [p for p in found if strict or p.severity == ERROR]
        failed += bool(bad)
        for problem in found:
            where = f"{shown}:{problem.line}" if problem.line else shown
            print(f"{where}: {visible(problem.detail)}")
        if not found:
            print(f"{shown}: ok")
    if unreadable:
        raise typer.Exit(int(ExitCode.USAGE))
    raise typer.Exit(int(ExitCode.CHECKS_FAILED if failed else ExitCode.OK))
