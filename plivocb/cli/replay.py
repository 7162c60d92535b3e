"""`plivocb replay`."""

from __future__ import annotations

import typer

from plivocb.errors import NotImplementedYet


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay() -> None:
        """Not implemented yet."""
        raise NotImplementedYet("replay")
