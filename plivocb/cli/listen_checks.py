"""`listen` start-up checks: every option is checked before anything binds, opens or writes.

Each check raises `UsageError` (one line, exit 2) naming the option and the fix, except an app
that is not listening yet at `--forward-to`, which only warns: it may start after plivocb.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from plivocb.cli.common import env
from plivocb.environment import DEFAULT_PLIVO_API_URL
from plivocb.errors import UsageError


def check_public_url(url: str | None) -> None:
    """An absolute http(s) base URL: Plivo calls it plus a path, so no query or fragment."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--public-url must be an absolute http(s) URL, got {url!r}",
            "e.g. --public-url https://hooks.example.com",
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UsageError(
            f"--public-url must not have a query or fragment, got {url!r}",
            "Plivo appends /answer, /hangup… to it: pass only the base, e.g. https://hooks.example.com",
        )


def _unreachable_host(host: str) -> str:
    """Why Plivo's servers could not reach `host`, or '' when it may be public."""
    lowered = host.lower().rstrip(".")
    if lowered == "localhost" or lowered.endswith(".localhost"):
        return "is this machine"
    try:
        address = ipaddress.ip_address(lowered.strip("[]"))
    except ValueError:
        return ""
    if address.is_unspecified:
        return "is 0.0.0.0 (any address), not a reachable host"
    if address.is_loopback:
        return "is a loopback address"
    if address.is_private or address.is_link_local or address.is_reserved:
        return "is a private address"
    return ""


def check_app_public_url(app_id: str | None, tunnel: str, public_url: str | None) -> None:
    """`--app` points a live Plivo Application here: the URL must be one Plivo can reach.

    The ngrok tunnel is public https. Otherwise `--public-url` must be public https. A stand-in
    of Plivo's API (another Environment.plivo_api_url, e.g. PLIVOCB_PLIVO_API_URL in tests) runs
    locally and can reach local URLs.
    """
    if not app_id or env().plivo_api_url != DEFAULT_PLIVO_API_URL:
        return
    if public_url is None:
        if tunnel == "ngrok":
            return
        raise UsageError(
            "--app with --tunnel none would point the Plivo Application at this machine's "
            "local address, which Plivo cannot reach",
            "drop --tunnel none (ngrok), or pass --public-url https://your.public.host",
        )
    parts = urlsplit(public_url)
    why = _unreachable_host(parts.hostname or "")
    if why or parts.scheme != "https":
        reason = f"its host {why}" if why else "it is not https"
        raise UsageError(
            f"--app needs a public https URL Plivo can reach; {public_url} is not ({reason})",
            "pass --public-url https://your.public.host, or use the ngrok tunnel",
        )


def forward_warning(forward_to: str | None, timeout: float = 1.0) -> str:
    """A warning when nothing accepts connections at `--forward-to` yet ('' when something does)."""
    if not forward_to:
        return ""
    parts = urlsplit(forward_to)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ""
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (
            f"warning: nothing answers at --forward-to {forward_to} yet ({reason.lower()}); "
            "callbacks get plivocb's fallback answer until your app is up"
        )
