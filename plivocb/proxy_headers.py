"""Make a replayed request look, to the app, as if Plivo had called the replay target (pure).

A recorded callback carries the `Host` and proxy headers of the public URL it came through
(ngrok, a reverse proxy). Apps behind a proxy rebuild the URL they verify signatures against
from those headers (Werkzeug `ProxyFix`, Django `USE_X_FORWARDED_HOST`, Starlette/Uvicorn
`--proxy-headers`), so replaying them unchanged to a new host makes every re-signed callback
fail. Replay therefore sets `Host` to the target's, rewrites the proxy headers that name a
scheme, host or port to the target's, and drops the ones it cannot rewrite (a path prefix, an
original host); `--keep-header NAME` keeps one exactly as recorded.

Sources: Plivo signs the URL it called (plivo-python `plivo/utils/signature_v3.py` hashes the URL
it is given, so the app must rebuild the public one); behind a proxy that means trusting
`X-Forwarded-Proto`/`X-Forwarded-Host` (/work/shared/plivo-reference.md, pitfall 1, after
dograh-hq/dograh PR #510).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

# Headers that describe one connection, not the callback: never relayed or replayed.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)

# Proxy headers that change the URL an app computes; rewritten to describe the target.
REWRITTEN = frozenset({"x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded"})
# Proxy headers that also change it but have no meaning for a direct request: dropped.
DROPPED = frozenset(
    {
        "x-forwarded-prefix",
        "x-forwarded-scheme",
        "x-forwarded-ssl",
        "x-forwarded-server",
        "x-original-host",
        "x-original-url",
        "x-scheme",
        "x-url-scheme",
        "front-end-https",
    }
)


@lru_cache(maxsize=256)
def _target(url: str) -> tuple[str, str, str]:
    """(scheme, host[:port] as the Host header carries it, port)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    port = str(parts.port or (443 if parts.scheme == "https" else 80))
    return parts.scheme, netloc, port


def retarget(
    headers: Iterable[tuple[str, str]], url: str, keep: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Recorded headers rewritten for a request to `url`; names in `keep` stay as recorded.

    `Host` always comes first and always names the target unless kept.
    """
    kept = {name.lower() for name in keep}
    scheme, host, port = _target(url)
    rewritten = {
        "x-forwarded-proto": scheme,
        "x-forwarded-host": host,
        "x-forwarded-port": port,
        "forwarded": f'proto={scheme};host="{host}"',
    }
    out: list[tuple[str, str]] = []
    recorded_host = ""
    seen: set[str] = set()
    for name, value in headers:
        lowered = name.lower()
        if lowered in kept:
            if lowered == "host":
                recorded_host = value
            else:
                out.append((name, value))
            continue
        if lowered == "host" or lowered in DROPPED:
            continue
        if lowered in REWRITTEN:
            if lowered not in seen:  # one value, even when the recording had a chain
                seen.add(lowered)
                out.append((name, rewritten[lowered]))
            continue
        out.append((name, value))
    return [("Host", recorded_host or host), *out]
