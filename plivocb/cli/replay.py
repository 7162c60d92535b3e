"""`plivocb replay`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plivocb import defaults
from plivocb.choices import Kind, Timing
from plivocb.cli.common import (
    env,
    env_option,
    flag_name,
    parse_assignments,
    positive_option,
    require_http_url,
    require_output_file,
)
from plivocb.errors import ExitCode, FixtureError, UsageError

if TYPE_CHECKING:
    from plivocb.response_checks import StatusSpec


def _require_url(value: str, option: str, websocket: bool) -> None:
    """http(s) URLs everywhere; ws(s) too where stream fixtures may go."""
    if websocket and value.split("://", 1)[0] in ("ws", "wss") and "://" in value:
        require_http_url("http" + value[2:], option)
        return
    require_http_url(value, option)


def _status_spec(text: str) -> StatusSpec:
    from plivocb.response_checks import StatusSpec, StatusSpecError

    try:
        return StatusSpec.parse(text)
    except StatusSpecError as exc:  # the library names no flags: say which option it was
        raise UsageError(f"--expect-status: {exc.message}", exc.hint) from None


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay(
        paths: list[str] = typer.Argument(
            None,
            help=f"Fixture files, directories or globs (default: {defaults.RECORDED_DIR}).",
            show_default=False,
        ),
        to: str | None = typer.Option(
            None,
            "--to",
            help="Base URL of your app; each fixture's path and query are appended "
            "(stream fixtures connect to its ws:// or wss:// form).",
        ),
        route: list[str] = typer.Option(
            [], "--route", help="KIND=URL: send this kind to this URL as is (repeatable)."
        ),
        auth_token: str | None = env_option(
            "--auth-token",
            "PLIVO_AUTH_TOKEN",
            "Re-sign every request for its target URL (V3, V2 and -Ma- headers).",
        ),
        main_auth_token: str | None = env_option(
            "--main-auth-token",
            "PLIVO_MAIN_AUTH_TOKEN",
            "Main account token for the -Ma- headers (default: the --auth-token).",
        ),
        no_sign: bool = typer.Option(
            False, "--no-sign", help="Send the recorded headers untouched."
        ),
        kind: list[Kind] = typer.Option([], "--kind", help="Only this kind (repeatable)."),
        call: str | None = typer.Option(
            None, "--call", help="Only callbacks of this Call/Message UUID."
        ),
        set_: list[str] = typer.Option(
            [], "--set", help="FIELD=VALUE: override a param before signing (repeatable)."
        ),
        concurrency: int = typer.Option(
            defaults.CONCURRENCY,
            "--concurrency",
            min=1,
            help="Calls replayed at once (each call stays in order).",
        ),
        timing: Timing | None = typer.Option(
            None,
            "--timing",
            help=f"{Timing.FAST}, or {Timing.RECORDED} (keep the recorded gaps). Default: "
            f"{defaults.TIMING} for callbacks, {defaults.STREAM_TIMING} for stream fixtures.",
        ),
        speed: float = positive_option(
            defaults.SPEED, "--speed", help="With --timing recorded: 2 plays twice as fast."
        ),
        timeout: float = positive_option(
            defaults.REPLAY_TIMEOUT,
            "--timeout",
            help="Seconds per request: connect, send, read and check.",
        ),
        max_response: int = typer.Option(
            defaults.MAX_RESPONSE,
            "--max-response",
            min=1,
            help="Response bytes read at most (after decompression); more fails the check.",
        ),
        expect_status: str = typer.Option(
            defaults.EXPECT_STATUS,
            "--expect-status",
            help="Accepted statuses, e.g. 2xx or 200,204.",
        ),
        check_xml: bool = typer.Option(
            True,
            "--check-xml/--no-check-xml",
            help="Replies Plivo executes (answer and action URLs) must be valid Plivo XML; "
            "an XML reply to a message URL may hold only <Message>.",
        ),
        check_timing: bool | None = typer.Option(
            None,
            "--check-timing/--no-check-timing",
            help="Fail replies slower than Plivo's timeout for their URL (rt/tt from a "
            "#ct=…&rt=…&tt=… fragment on --to/--route, else Plivo's 40 s). Default: on for the "
            "kinds Plivo reads XML from; --check-timing: every kind.",
            show_default=False,
        ),
        compare: bool = typer.Option(
            False,
            "--compare",
            help="Diff each response against the recorded one (fixtures without one are skipped).",
        ),
        update_baseline: bool = typer.Option(
            False,
            "--update-baseline",
            help="Write the responses got into the fixtures' [response] (accept new behaviour).",
        ),
        keep_header: list[str] = typer.Option(
            [],
            "--keep-header",
            metavar="NAME",
            help="Send this recorded header as is (Host, X-Forwarded-Host…); repeatable.",
        ),
        junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report here."),
        json_lines: bool = typer.Option(
            False, "--json", help="One JSON result per line and a final summary object."
        ),
        fail_fast: bool = typer.Option(False, "--fail-fast", help="Stop at the first failure."),
        first_response_ms: float = positive_option(
            defaults.FIRST_RESPONSE_MS,
            "--first-response-ms",
            help="Streams: the app must answer the first caller audio within this many ms "
            "(when the recorded session had a reply).",
        ),
        stream_out: Path = typer.Option(
            defaults.REPLAYED_STREAMS_DIR,
            "--stream-out",
            help="Streams: record each replayed session (what the app sent back) here.",
        ),
    ) -> None:
        """Replay recorded callbacks against your app, re-signed, with checks for CI."""
        import asyncio

        from plivocb.fixture.store import iter_paths
        from plivocb.replay import NoTargetError, RecordedGapError, ReplayOptions, run
        from plivocb.replay_output import (
            JsonOutput,
            LineOutput,
            Outputs,
            ReplayOutput,
            RichOutput,
        )
        from plivocb.report import JUnitWriter
        from plivocb.timeouts import option_budget

        routes = parse_assignments(route, "--route")
        kinds = tuple(k.value for k in Kind)
        budgets = {}
        for name, given in list(routes.items()):
            url, budgets[name] = option_budget(given, f"--route {name}")
            routes[name] = url
            if name not in kinds:
                raise UsageError(f"--route: unknown kind {name!r}", f"kinds: {', '.join(kinds)}")
            _require_url(url, f"--route {name}", websocket=name == "stream")
        if to is not None:
            to, budgets[""] = option_budget(to, "--to")
            _require_url(to, "--to", websocket=True)
        if to is None and not routes:
            raise UsageError(
                "no target: where should the callbacks go?",
                "pass --to http://127.0.0.1:PORT (or --route KIND=URL)",
            )
        if main_auth_token and not auth_token:
            raise UsageError(
                "--main-auth-token signs the -Ma- headers next to --auth-token's",
                "set PLIVO_AUTH_TOKEN (the subaccount's token) too",
            )
        if compare and update_baseline:
            raise UsageError(
                "--compare and --update-baseline do not go together",
                "run with --compare to see what changed, then --update-baseline to accept it",
            )
        if junit is not None:
            require_output_file(junit, "--junit")
        opts = ReplayOptions(
            paths=paths or [str(defaults.RECORDED_DIR)],
            to=to,
            routes=routes,
            auth_token=auth_token or None,
            main_auth_token=main_auth_token or None,
            sign=not no_sign,
            kinds={k.value for k in kind},
            call=call,
            overrides=parse_assignments(set_, "--set"),
            concurrency=concurrency,
            timing=timing.value if timing else defaults.TIMING,
            stream_timing=timing.value if timing else defaults.STREAM_TIMING,
            first_response_ms=first_response_ms,
            stream_out=stream_out,
            speed=speed,
            timeout=timeout,
            max_response=max_response,
            expect_status=_status_spec(expect_status),
            check_xml=check_xml,
            check_timing=check_timing,
            budgets=budgets,
            compare=compare,
            fail_fast=fail_fast,
            keep_headers={name.lower() for name in keep_header},
            update_baseline=update_baseline,
            option_names=flag_name,  # results name options by field; the user knows flags
        )
        if not any(True for _ in iter_paths(opts.paths)):
            raise UsageError(
                f"no fixtures found in {' '.join(opts.paths)}",
                "record some with `plivocb listen`, or generate them with `plivocb fixtures new`",
            )
        output: ReplayOutput
        expected = None
        if json_lines:
            output = JsonOutput(env().stdout)
        elif env().stdout_isatty:
            output = RichOutput(env().out_console(), flag_name)
            expected = sum(1 for _ in iter_paths(opts.paths))
        else:
            output = LineOutput(env().stdout, flag_name)
        if not opts.auth_token and opts.sign:
            print(
                "note: no auth token, so requests carry their recorded signatures "
                "(set PLIVO_AUTH_TOKEN to re-sign)",
                file=sys.stderr,
            )
        # JUnit is one more output; Ctrl-C cancels the run, which hands back what finished:
        # summary and JUnit still get written, then exit 130.
        outputs = Outputs([output, *([JUnitWriter(junit)] if junit else [])])
        outputs.start(expected)
        try:
            summary = asyncio.run(run(opts, outputs.result))
        except NoTargetError as exc:  # the library names no flags: the CLI says what to pass
            raise UsageError(exc.message, f"pass --to URL or --route {exc.kind}=URL") from None
        except RecordedGapError as exc:
            raise FixtureError(
                exc.path,
                f"received_at {exc.received_at.isoformat()} comes {exc.wait:.0f} s after the "
                f"fixture before it (at --speed {exc.speed:g}); --timing recorded would wait "
                "that long",
                "use --timing fast, a higher --speed, or fix received_at",
            ) from None
        outputs.finish(summary)
        if summary.interrupted:
            raise typer.Exit(int(ExitCode.INTERRUPTED))
        if summary.total == 0:
            raise UsageError("no fixtures matched the filters", "check --kind and --call")
        raise typer.Exit(int(ExitCode.OK if summary.failed == 0 else ExitCode.CHECKS_FAILED))
