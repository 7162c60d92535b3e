"""An IVR, the kind `plivocb simulate` is for: a menu by GetInput, a Dial branch, voicemail.

    /ivr/answer     menu: press 1 or say "sales", press 2 or say "voicemail"
                    (no answer: Redirect back to the menu once, then goodbye)
    /ivr/menu       1/sales -> Dial the sales desk; 2/voicemail -> Record; else Redirect to menu
    /ivr/dialed     sales did not answer -> voicemail; the call went through -> Hangup
    /ivr/voicemail  thanks, Hangup
    /ivr/recording, /ivr/transcription, /ivr/dial-events, /ivr/hangup   notifications, stored

Every request's X-Plivo-Signature-V3 is checked with the official SDK (`app.verified`).

    PLIVO_AUTH_TOKEN=... python examples/ivr.py --port 5001
    plivocb simulate call --answer-url http://127.0.0.1:5001/ivr/answer \\
        --hangup-url http://127.0.0.1:5001/ivr/hangup --input 2 --record '8:call me back'
"""

from __future__ import annotations

import argparse
import os
from xml.sax.saxutils import quoteattr

from aiohttp import web
from app import BASE_KEY, TOKEN_KEY, public_base, verified, xml

SALES_DESK = "14155550123"
EVENTS_KEY = web.AppKey("events", list)  # (path, params) of each notification, for tests


def url(request: web.Request, path: str) -> str:
    return quoteattr(public_base(request) + path)


MENU_PROMPT = "For sales press 1 or say sales. To leave a message press 2 or say voicemail."


async def answer(request: web.Request) -> web.Response:
    await verified(request)
    tries = int(request.query.get("tries", "0"))
    if tries >= 2:
        return xml("<Speak>Sorry, we did not get that. Goodbye.</Speak><Hangup/>")
    return xml(
        f'<GetInput action={url(request, "/ivr/menu")} inputType="dtmf speech" numDigits="1" '
        f'executionTimeout="8" hints="sales,voicemail"><Speak>{MENU_PROMPT}</Speak></GetInput>'
        f"<Redirect>{public_base(request)}/ivr/answer?tries={tries + 1}</Redirect>"
    )


def voicemail(request: web.Request, intro: str) -> web.Response:
    return xml(
        f"<Speak>{intro} Leave a message after the beep, then press the pound key.</Speak>"
        f'<Record action={url(request, "/ivr/voicemail")} maxLength="60" finishOnKey="#" '
        f"callbackUrl={url(request, '/ivr/recording')} "
        f'transcriptionType="auto" transcriptionUrl={url(request, "/ivr/transcription")}/>'
    )


async def menu(request: web.Request) -> web.Response:
    params = await verified(request)
    choice = params.get("Digits") or params.get("Speech", "").lower()
    if choice in ("1", "sales"):
        return xml(
            "<Speak>Connecting you to sales.</Speak>"
            f'<Dial action={url(request, "/ivr/dialed")} timeout="20" '
            f"callbackUrl={url(request, '/ivr/dial-events')}><Number>{SALES_DESK}</Number></Dial>"
        )
    if choice in ("2", "voicemail"):
        return voicemail(request, "")
    return xml(
        f"<Speak>That is not an option.</Speak><Redirect>{public_base(request)}/ivr/answer"
        "</Redirect>"
    )


async def dialed(request: web.Request) -> web.Response:
    params = await verified(request)
    if params.get("DialStatus") == "completed":
        return xml("<Hangup/>")
    return voicemail(request, "Sales cannot take your call.")


async def voicemail_saved(request: web.Request) -> web.Response:
    await verified(request)
    return xml("<Speak>Thank you. Goodbye.</Speak><Hangup/>")


async def notification(request: web.Request) -> web.Response:
    params = await verified(request)
    request.app[EVENTS_KEY].append((request.path, params))
    return web.Response(text="")


def create_app(auth_token: str, public: str = "") -> web.Application:
    app = web.Application()
    app[TOKEN_KEY] = auth_token
    app[BASE_KEY] = public
    app[EVENTS_KEY] = []
    app.router.add_route("*", "/ivr/answer", answer)
    app.router.add_route("*", "/ivr/menu", menu)
    app.router.add_route("*", "/ivr/dialed", dialed)
    app.router.add_route("*", "/ivr/voicemail", voicemail_saved)
    for path in ("/ivr/recording", "/ivr/transcription", "/ivr/dial-events", "/ivr/hangup"):
        app.router.add_route("*", path, notification)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args()
    web.run_app(create_app(os.environ["PLIVO_AUTH_TOKEN"]), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
