"""The `plivocb` command line: a thin Typer layer over the library, with one error boundary."""

from __future__ import annotations

import contextlib
import enum
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import typer

from plivocb import __version__
from plivocb.cli import app as app_cli
from plivocb.cli import fixtures as fixtures_cli
from plivocb.cli import inspect as inspect_cli
from plivocb.cli import listen as listen_cli
from plivocb.cli import replay as replay_cli
from plivocb.cli import simulate as simulate_cli
from plivocb.cli import xml as xml_cli
from plivocb.cli.common import err_console, flag_name, state
from plivocb.environment import Environment
from plivocb.errors import ExitCode, PlivocbError

# The root command group. Not called `app`: that is the `plivocb.cli.app` module (`plivocb app …`).
cli = typer.Typer(
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


@cli.callback()
def global_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
) -> None:
    """Catch, record, verify and replay Plivo callbacks."""
    state.verbose = verbose


listen_cli.register(cli)
replay_cli.register(cli)
inspect_cli.register(cli)
cli.add_typer(fixtures_cli.app, name="fixtures")
cli.add_typer(app_cli.app, name="app")
cli.add_typer(simulate_cli.app, name="simulate")
cli.add_typer(xml_cli.app, name="xml")


GLOBAL_FLAGS = ("--verbose", "-v")


def _global_flags_anywhere(args: list[str]) -> list[str]:
    """`plivocb replay … --verbose` means `plivocb --verbose replay …` (no command uses -v)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
    return flags[:1] + rest + args[end:]


def _choices(param: Any) -> list[str]:
    """The values an Enum-typed parameter accepts (click's Choice, or recent Typer's own types)."""
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices is None:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        annotation = next(iter(getattr(annotation, "__args__", ())), annotation)  # list[Kind]
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            choices = list(annotation)
    return [str(getattr(c, "value", c)) for c in choices or ()]


def _polish(command: Any) -> Any:
    """Help as a user reads it: `-h` too, choices spelled out (`--tunnel [ngrok|none]`), other
    metavars named after the option (`--to TO`), never Python types (`<str>`, `<list[str]>`)
    that recent Typer shows."""
    command.context_settings = {**command.context_settings, "help_option_names": ["-h", "--help"]}
    for param in command.params:
        if getattr(param, "is_flag", False) or (param.param_type_name == "option" and param.count):
            continue
        choices = _choices(param)
        if param.param_type_name == "argument":
            # Typer prints an argument's Python type after its name: its name says enough,
            # and its help lists the choices.
            param.display_type_rich = lambda ctx: None
            if choices and "One of:" not in (param.help or ""):
                param.help = f"{param.help or ''} One of: {', '.join(choices)}.".lstrip()
            continue
        if choices:
            param.metavar = f"[{'|'.join(choices)}]"
        elif param.metavar is None or param.metavar.startswith("<"):
            param.metavar = param.opts[0].lstrip("-").replace("-", "_").upper()
    for sub in getattr(command, "commands", {}).values():
        _polish(sub)
    return command


def main(argv: list[str] | None = None, env: Environment | None = None) -> None:
    """Run the CLI; the one place errors become messages and exit codes.

    `env` carries the streams, terminal facts and outside-service settings (tests pass one built
    around string buffers and run the CLI in-process); by default the real process's. Exits with
    SystemExit(code) like the `plivocb` command.
    """
    state.env = env if env is not None else Environment.from_process()
    state.verbose = False
    with contextlib.ExitStack() as stack:
        # print()/click.echo write to sys.std*: point them at the environment's streams
        if state.env.stdin is not sys.stdin:
            stack.enter_context(_swap("stdin", state.env.stdin))
        if state.env.stdout is not sys.stdout:
            stack.enter_context(contextlib.redirect_stdout(state.env.stdout))
        if state.env.stderr is not sys.stderr:
            stack.enter_context(contextlib.redirect_stderr(state.env.stderr))
        _run(argv)


@contextlib.contextmanager
def _swap(name: str, stream: object) -> Iterator[None]:
    saved = getattr(sys, name)
    setattr(sys, name, stream)
    try:
        yield
    finally:
        setattr(sys, name, saved)


def _print_error(message: str, hint: str) -> None:
    """`Error: …` and `  hint: …` on stderr; both may quote files, peers or argv: inert."""
    from plivocb.inert import markup as escape

    err_console().print(
        f"[bold red]Error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )
    if hint:
        err_console().print(f"  hint: {escape(hint)}", highlight=False, soft_wrap=True)


def _run(argv: list[str] | None) -> None:
    args = _global_flags_anywhere(list(sys.argv[1:] if argv is None else argv))
    try:
        command = _polish(typer.main.get_command(cli))
        result = command.main(args=args, standalone_mode=False, prog_name="plivocb")
    except PlivocbError as exc:
        if state.verbose:
            traceback.print_exc()
        if exc.words is not None:  # the library names options as fields: say the flags
            _print_error(*exc.words(flag_name))
        else:
            _print_error(exc.message, exc.hint)
        sys.exit(int(exc.exit_code))
    except (typer.Abort, KeyboardInterrupt):
        if args[:1] == ["listen"]:  # before listen took over Ctrl-C: nothing started yet
            from plivocb.__main__ import _interrupted_before_start

            _interrupted_before_start()
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as exc:
        # Click's usage errors (typer vendors click in recent releases, so match by shape).
        if not hasattr(exc, "show") or not hasattr(exc, "format_message"):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # `plivocb fixtures`: the help
            exc.show()
            sys.exit(int(ExitCode.USAGE))
        # Typer/click's own checks (choices, ranges, unknown options) read like ours: one
        # line and a hint, not click's usage block.
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "plivocb"
        # recent Typer words a choice error "Value error, 'x' is not one of …"
        message = " ".join(exc.format_message().replace(": Value error, ", ": ").split())
        _print_error(message, f"{command} --help lists the options and the values they take")
        sys.exit(int(ExitCode.USAGE))
    if result == ExitCode.INTERRUPTED and args[:1] == ["listen"]:
        # Typer turns a Ctrl-C that lands before listen took over the signals into 130
        from plivocb.__main__ import _interrupted_before_start

        _interrupted_before_start()
    sys.exit(result if isinstance(result, int) else 0)
