"""`plivocb listen`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from plivocb import defaults
from plivocb.choices import Tunnel
from plivocb.cli.common import (
    PORT_RANGE,
    env,
    env_option,
    flag_name,
    positive_option,
    require_http_url,
    require_output_dir,
)
from plivocb.errors import ExitCode, UsageError


def _answer_xml(path: Path | None) -> str | None:
    if path is None:
        return None
    from plivocb import plivoxml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --answer-xml {path}: {exc.strerror}") from None
    found = plivoxml.errors(text)
    if found:
        raise UsageError(f"--answer-xml {path} is not valid Plivo XML: {found[0]}", "fix the file")
    return text


def register(app: typer.Typer) -> None:
    @app.command("listen")
    def listen(
        port: int = typer.Option(
            defaults.PORT, "--port", "-p", **PORT_RANGE, help="Local port (0 picks a free one)."
        ),
        host: str = typer.Option(defaults.HOST, "--host", help="Local address to bind."),
        out: Path = typer.Option(
            defaults.RECORDED_DIR, "--out", help="Where fixtures are written."
        ),
        forward_to: str | None = typer.Option(
            None, "--forward-to", help="Relay callbacks to your app at this base URL."
        ),
        forward_timeout: float = positive_option(
            defaults.FORWARD_TIMEOUT, "--forward-timeout", help="Seconds to wait for your app."
        ),
        tunnel: Tunnel = typer.Option(
            defaults.TUNNEL, "--tunnel", help="ngrok, or none (local, or your --public-url)."
        ),
        public_url: str | None = typer.Option(
            None, "--public-url", help="Use this existing public URL (no ngrok)."
        ),
        auth_token: str | None = env_option(
            "--auth-token", "PLIVO_AUTH_TOKEN", "Plivo auth token to verify signatures."
        ),
        strict: bool = typer.Option(
            False,
            "--strict",
            help="Answer 403 to invalid, unsigned and valid-v2 callbacks (still recorded).",
        ),
        accept_v2: bool = typer.Option(
            False,
            "--accept-v2",
            help="With --strict: let V2-only signatures (URL signed, body not) through.",
        ),
        answer_xml: Path | None = typer.Option(
            None, "--answer-xml", help="Plivo XML file to answer with when not forwarding."
        ),
        redact: bool = typer.Option(
            False, "--redact", help="Mask phone numbers before writing fixtures."
        ),
        json_lines: bool = typer.Option(
            False, "--json", help="One JSON object per callback on stdout."
        ),
        ngrok_authtoken: str | None = env_option(
            "--ngrok-authtoken", "NGROK_AUTHTOKEN", "ngrok authtoken."
        ),
        domain: str | None = typer.Option(None, "--domain", help="Reserved ngrok domain."),
        app_id: str | None = typer.Option(
            None,
            "--app",
            help="Point this Plivo Application at the tunnel while listening; restored on exit.",
        ),
        auth_id: str | None = env_option(
            "--auth-id", "PLIVO_AUTH_ID", "Plivo auth ID (for --app)."
        ),
        max_body: int = typer.Option(
            defaults.MAX_BODY,
            "--max-body",
            min=1,
            help="Largest body accepted, in bytes (larger get 413).",
        ),
        inspect_port: int = typer.Option(
            defaults.INSPECT_PORT,
            "--inspect-port",
            **PORT_RANGE,
            help="Web inspector port on 127.0.0.1 (next free if taken).",
        ),
        no_inspect: bool = typer.Option(False, "--no-inspect", help="Do not serve the inspector."),
        max_connections: int = typer.Option(
            defaults.MAX_CONNECTIONS,
            "--max-connections",
            min=0,
            help="Open connections kept at most (0: just below the fd limit); idle ones go first.",
        ),
        ignore_path: list[str] = typer.Option(
            [],
            "--ignore-path",
            metavar="GLOB",
            help="Answer but do not record these paths (repeatable; GET /, /favicon.ico and "
            "/robots.txt always are).",
        ),
    ) -> None:
        """Catch Plivo callbacks: tunnel, verify, answer or forward, show and record them."""
        import asyncio

        from plivocb.catcher import DEFAULT_ANSWER_XML, IGNORED_PATHS
        from plivocb.cli import listen_checks as checks
        from plivocb.display import LineDisplay, LiveDisplay
        from plivocb.listen import ListenOptions, run

        require_http_url(forward_to, "--forward-to")
        checks.check_public_url(public_url)
        if domain and (tunnel == Tunnel.NONE or public_url):
            raise UsageError(
                "--domain names a reserved ngrok domain; it needs the ngrok tunnel",
                "drop --tunnel none / --public-url, or drop --domain",
            )
        if strict and not auth_token:
            raise UsageError(
                "--strict needs an auth token to check signatures",
                "set PLIVO_AUTH_TOKEN or pass --auth-token",
            )
        if accept_v2 and not strict:
            raise UsageError(
                "--accept-v2 only changes what --strict rejects",
                "add --strict, or drop --accept-v2",
            )
        if app_id:
            from plivocb.app_pointer import credentials

            credentials(auth_id, auth_token)
            checks.check_app_public_url(app_id, tunnel, public_url)
            env().check_api_timeout()
        answer = _answer_xml(answer_xml) or DEFAULT_ANSWER_XML
        require_output_dir(out, "--out")  # last: the only check that creates something
        opts = ListenOptions(
            port=port,
            host=host,
            out=out,
            forward_to=forward_to,
            forward_timeout=forward_timeout,
            tunnel=tunnel.value,
            public_url=public_url,
            auth_token=auth_token or None,
            strict=strict,
            accept_v2=accept_v2,
            answer_xml=answer,
            redact=redact,
            ngrok_authtoken=ngrok_authtoken or None,
            domain=domain,
            max_body=max_body,
            app_id=app_id,
            auth_id=auth_id or None,
            inspect_port=None if no_inspect else inspect_port,
            max_connections=max_connections,
            ignore_paths=(*IGNORED_PATHS, *ignore_path),
            plivo_api_url=env().plivo_api_url,
            ngrok_startup_timeout=env().ngrok_startup_timeout,
            retry_backoff=env().retry_backoff,
            api_timeout=env().api_timeout,
            handle_signals=env().handle_signals,
            option_names=flag_name,
        )
        live = env().live_terminal and not json_lines
        display = (
            LiveDisplay(console=env().out_console())
            if live
            else LineDisplay(json_lines=json_lines, stream=env().stdout)
        )
        try:
            warning = checks.forward_warning(forward_to)
            if warning:
                print(warning, file=sys.stderr, flush=True)
            stats = asyncio.run(run(opts, display))
        except KeyboardInterrupt:  # before run() took over the signals: nothing started yet
            from plivocb.catcher import Stats
            from plivocb.listen import summary_lines

            print("\n".join(summary_lines(Stats(), out, flag_name)), file=sys.stderr, flush=True)
            return
        if stats.errors:  # Plivo got a 500 for these and will retry: not a clean run
            raise typer.Exit(int(ExitCode.CHECKS_FAILED))
