"""The `plivocb` command line: a thin Typer layer over the library, with one error boundary."""

from __future__ import annotations

import sys
import traceback

import typer

from plivocb import __version__
from plivocb.cli import app as app_cli
from plivocb.cli import fixtures as fixtures_cli
from plivocb.cli import inspect as inspect_cli
from plivocb.cli import listen as listen_cli
from plivocb.cli import replay as replay_cli
from plivocb.cli import simulate as simulate_cli
from plivocb.cli import xml as xml_cli
from plivocb.cli.common import err_console, state
from plivocb.errors import ExitCode, PlivocbError

app = typer.Typer(
    name="plivocb",
    help="Catch, record, verify and replay Plivo callbacks (Answer, Hangup, Message URLs).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"plivocb {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
) -> None:
    """Catch, record, verify and replay Plivo callbacks."""
    state.verbose = verbose


listen_cli.register(app)
replay_cli.register(app)
inspect_cli.register(app)
app.add_typer(fixtures_cli.app, name="fixtures")
app.add_typer(app_cli.app, name="app")
app.add_typer(simulate_cli.app, name="simulate")
app.add_typer(xml_cli.app, name="xml")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the one place errors become messages and exit codes."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="plivocb")
    except PlivocbError as exc:
        from plivocb.inert import markup as escape  # messages quote files and peers: inert

        if state.verbose:
            traceback.print_exc()
        err_console().print(
            f"[bold red]Error:[/] {escape(exc.message)}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        if exc.hint:
            err_console().print(f"  hint: {escape(exc.hint)}", highlight=False, soft_wrap=True)
        sys.exit(int(exc.exit_code))
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as exc:
        # Click's usage errors (typer vendors click in recent releases, so match by shape).
        show = getattr(exc, "show", None)
        if show is None or not hasattr(exc, "exit_code"):
            raise
        show()
        sys.exit(int(ExitCode.USAGE))
    sys.exit(result if isinstance(result, int) else 0)
