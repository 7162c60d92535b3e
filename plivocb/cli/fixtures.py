"""`plivocb fixtures …`: generate, list, show, validate and redact fixtures."""

from __future__ import annotations

import typer

from plivocb.errors import NotImplementedYet

app = typer.Typer(
    help="Generate, list, show, validate and redact fixture files.", no_args_is_help=True
)


@app.command("new")
def new() -> None:
    """Not implemented yet."""
    raise NotImplementedYet("fixtures new")
