"""`plivocb inspect`: the web inspector over recorded fixtures, without listening."""

from __future__ import annotations

import typer

from plivocb import defaults
from plivocb.cli.common import (
    PORT_RANGE,
    env_option,
    flag_name,
    positive_option,
    require_http_url,
)


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    def inspect(
        paths: list[str] = typer.Argument(
            None, help=f"Fixture files, directories or globs [default: {defaults.RECORDED_DIR}]."
        ),
        port: int = typer.Option(
            defaults.INSPECT_PORT,
            "--port",
            "-p",
            **PORT_RANGE,
            help="Inspector port on 127.0.0.1 (next free if taken; 0: any).",
        ),
        to: str | None = typer.Option(
            None, "--to", help="Default replay target base URL (the page can type another)."
        ),
        auth_token: str | None = env_option(
            "--auth-token", "PLIVO_AUTH_TOKEN", "Plivo auth token to re-sign replays."
        ),
        timeout: float = positive_option(
            defaults.INSPECT_REPLAY_TIMEOUT, "--timeout", help="Seconds to wait for a replay."
        ),
    ) -> None:
        """Serve the web inspector over recorded callbacks (prints its URL; opens nothing)."""
        import asyncio

        from plivocb.inspector.run import InspectOptions, serve_fixtures

        require_http_url(to, "--to")
        opts = InspectOptions(
            port=port,
            to=to,
            auth_token=auth_token or None,
            timeout=timeout,
            option_names=flag_name,
        )
        if paths:
            opts.paths = paths
        asyncio.run(serve_fixtures(opts))
