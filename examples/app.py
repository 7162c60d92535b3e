"""A small Plivo voice + SMS app, the kind plivocb is for: answers calls, logs hangups, replies to SMS.

It checks every callback's X-Plivo-Signature-V3 with the official SDK against the URL Plivo
called. Like a real deployment behind a tunnel or reverse proxy (ngrok, `plivocb listen
--forward-to`, nginx), it trusts `X-Forwarded-Proto` and `X-Forwarded-Host` to rebuild that URL
(what Werkzeug's ProxyFix or Django's USE_X_FORWARDED_HOST do), so the same configuration works
while recording through `plivocb listen` and when `plivocb replay` calls it directly. Trust these
headers only when the app is reachable solely through your proxy (here: bound to 127.0.0.1);
PUBLIC_BASE_URL pins the URL instead.

    PLIVO_AUTH_TOKEN=... python examples/app.py --port 5000
"""

from __future__ import annotations

import argparse
import logging
import os
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web
from plivo.utils import validate_v3_signature

log = logging.getLogger("example-app")
TOKEN_KEY = web.AppKey("auth_token", str)
BASE_KEY = web.AppKey("public_base", str)


async def params_of(request: web.Request) -> dict[str, str]:
    if request.method == "GET":
        return {}
    return {k: str(v) for k, v in (await request.post()).items()}


def _first(value: str | None) -> str:
    """The proxy nearest the client wrote the first entry of a comma-separated chain."""
    return (value or "").split(",", 1)[0].strip()


def public_base(request: web.Request) -> str:
    """The base URL Plivo called: pinned, or rebuilt from trusted proxy headers."""
    if request.app[BASE_KEY]:
        return request.app[BASE_KEY].rstrip("/")
    scheme = _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
    host = _first(request.headers.get("X-Forwarded-Host")) or request.host
    return f"{scheme}://{host}"


async def verified(request: web.Request) -> dict[str, str]:
    """The callback's params, or 403 when its V3 signature is not Plivo's."""
    params = await params_of(request)
    url = public_base(request) + request.path_qs
    signature = request.headers.get("X-Plivo-Signature-V3", "")
    nonce = request.headers.get("X-Plivo-Signature-V3-Nonce", "")
    token = request.app[TOKEN_KEY]
    if not signature or not validate_v3_signature(
        request.method, url, nonce, token, signature, dict(params)
    ):
        raise web.HTTPForbidden(text="invalid Plivo signature\n")
    if request.method == "GET":
        params = {k: v for k, v in request.query.items()}
    return params


def xml(body: str) -> web.Response:
    return web.Response(text=f"<Response>{body}</Response>", content_type="application/xml")


async def answer(request: web.Request) -> web.Response:
    params = await verified(request)
    if params.get("Direction") == "outbound":
        return xml("<Speak>Hello, this is your appointment reminder for tomorrow at ten.</Speak>")
    return xml(
        "<Speak>Thanks for calling. Press 1 for sales, 2 for support.</Speak>"
        f'<GetDigits action="{public_base(request)}/digits" method="POST" numDigits="1">'
        "<Speak>Please choose now.</Speak></GetDigits>"
    )


async def digits(request: web.Request) -> web.Response:
    params = await verified(request)
    team = {"1": "sales", "2": "support"}.get(params.get("Digits", ""), "")
    if not team:
        return xml("<Speak>Sorry, I did not get that. Goodbye.</Speak><Hangup/>")
    return xml(f"<Speak>Connecting you to {team}.</Speak>")


async def hangup(request: web.Request) -> web.Response:
    params = await verified(request)
    log.info("call %s ended: %s", params.get("CallUUID"), params.get("HangupCauseName"))
    return web.Response(text="")


async def message(request: web.Request) -> web.Response:
    params = await verified(request)
    sender, ours = params.get("From", ""), params.get("To", "")
    text = (
        "Thanks! We got your picture."
        if params.get("Type") == "mms"
        else "Thanks, we'll reply soon."
    )
    return xml(f"<Message src={quoteattr(ours)} dst={quoteattr(sender)}>{escape(text)}</Message>")


async def message_status(request: web.Request) -> web.Response:
    params = await verified(request)
    log.info("message %s is %s", params.get("MessageUUID"), params.get("Status"))
    return web.Response(text="")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_app(auth_token: str, public_base: str = "") -> web.Application:
    app = web.Application()
    app[TOKEN_KEY] = auth_token
    app[BASE_KEY] = public_base
    app.router.add_route("*", "/answer", answer)
    app.router.add_route("*", "/digits", digits)
    app.router.add_route("*", "/hangup", hangup)
    app.router.add_route("*", "/message", message)
    app.router.add_route("*", "/message/status", message_status)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    token = os.environ.get("PLIVO_AUTH_TOKEN")
    if not token:
        raise SystemExit("set PLIVO_AUTH_TOKEN")
    logging.basicConfig(level=logging.INFO)
    web.run_app(
        create_app(token, os.environ.get("PUBLIC_BASE_URL", "")), host=args.host, port=args.port
    )


if __name__ == "__main__":
    main()
