"""The `plivocb_simulate` fixture against a WSGI app served on a thread (no aiohttp app)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from plivo.utils import validate_v3_signature


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def wsgi_ivr(plivocb_auth_token: str) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {
            k: v[0]
            for k, v in parse_qs(
                environ["wsgi.input"].read(size).decode(), keep_blank_values=True
            ).items()
        }
        url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        valid = validate_v3_signature(
            environ["REQUEST_METHOD"],
            url,
            environ["HTTP_X_PLIVO_SIGNATURE_V3_NONCE"],
            plivocb_auth_token,
            environ["HTTP_X_PLIVO_SIGNATURE_V3"],
            form,
        )
        seen.append({"path": environ["PATH_INFO"], "valid": str(valid), **form})
        if environ["PATH_INFO"] == "/answer":
            body = (
                f"<Response><GetDigits action='http://{environ['HTTP_HOST']}/pick' numDigits='1'>"
                "<Speak>Pick</Speak></GetDigits></Response>"
            )
        elif environ["PATH_INFO"] == "/pick":
            body = f"<Response><Speak>You picked {form.get('Digits', '')}</Speak></Response>"
        else:
            body = ""
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body.encode()]

    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_simulate_against_a_threaded_wsgi_app(plivocb_simulate: Any, wsgi_ivr: Any) -> None:
    base, seen = wsgi_ivr
    call = await plivocb_simulate.call(base, "/answer", hangup="/hangup", inputs=["3"])
    assert [s["path"] for s in seen] == ["/answer", "/pick", "/hangup"]
    assert all(s["valid"] == "True" for s in seen)
    assert seen[1]["Digits"] == "3"
    assert call.heard == ["Speak: Pick", "Speak: You picked 3"]
    assert call.hangup_cause == "End Of XML Instructions"
    assert [f.kind for f in call.fixtures] == ["answer", "digits", "hangup"]


async def test_simulate_message_fixture(plivocb_simulate: Any, wsgi_ivr: Any) -> None:
    base, seen = wsgi_ivr
    sms = await plivocb_simulate.message(base, "/sms", text="hello")
    assert seen[0]["Text"] == "hello" and seen[0]["valid"] == "True"
    assert sms.ok and sms.ident == seen[0]["MessageUUID"]
