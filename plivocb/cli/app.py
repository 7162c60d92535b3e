"""`plivocb app show|restore`: inspect an Application, or undo what `listen --app` changed."""

from __future__ import annotations

import typer

from plivocb.cli.common import env_option, out_console, plivo_api

app = typer.Typer(
    help="Inspect a Plivo Application, or restore one `listen --app` pointed here.",
    no_args_is_help=True,
)

AUTH_ID = env_option("--auth-id", "PLIVO_AUTH_ID", "Plivo auth ID.")
AUTH_TOKEN = env_option("--auth-token", "PLIVO_AUTH_TOKEN", "Plivo auth token.")


@app.command("show")
def show(
    app_id: str = typer.Argument(..., help="The Application's ID."),
    auth_id: str | None = AUTH_ID,
    auth_token: str | None = AUTH_TOKEN,
) -> None:
    """Show an Application's URLs and whether they point at a plivocb tunnel."""
    import asyncio

    from rich.table import Table
    from rich.text import Text

    from plivocb.app_pointer import credentials, describe
    from plivocb.inert import visible

    ident, token = credentials(auth_id, auth_token)
    api = plivo_api(ident, token)
    data = asyncio.run(api.get_app(app_id))
    rows, verdict = describe(data, app_id, ident)
    table = Table(show_header=False, box=None)
    for field, value in rows:
        table.add_row(field, Text(visible(value) or "-"))  # the API's reply is never markup
    console = out_console()
    console.print(Text(visible(f"Application {app_id}")))
    console.print(table)
    console.print(Text(visible(verdict)), highlight=False)


@app.command("restore")
def restore(
    app_id: str = typer.Argument(..., help="The Application's ID."),
    auth_id: str | None = AUTH_ID,
    auth_token: str | None = AUTH_TOKEN,
) -> None:
    """Put back the URLs `listen --app` saved (after a crash or kill -9)."""
    import asyncio

    from plivocb.app_pointer import AppPointer, credentials

    ident, token = credentials(auth_id, auth_token)
    api = plivo_api(ident, token)
    pointer = AppPointer(api, app_id)
    asyncio.run(pointer.restore())
    print(f"restored Plivo app {app_id}")
