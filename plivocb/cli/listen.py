"""`plivocb listen`."""

from __future__ import annotations

import typer

from plivocb.errors import NotImplementedYet


def register(app: typer.Typer) -> None:
    @app.command("listen")
    def listen() -> None:
        """Not implemented yet."""
        raise NotImplementedYet("listen")
