"""Build a request as Plivo would send it: where the params go, and fresh V3/V2 signature headers.

The one place that turns (method, URL, params, auth token) into what goes on the wire, used by
replay (and the inspector's resend, through `replay.prepare`), stream handshakes (replay and
simulate), simulate's transport, and the testing helpers behind the pytest plugin. Pure.

Where params go (plivo-reference.md §0, quoting Plivo's messaging docs: "passed as form data if
the method configured is POST, and as query parameters if it's GET"; §2.2 and plivo-python
`validate_v3_signature`): a GET's params are part of the signed URL, any other method's are
signed after it. All six headers of §2.1 are sent (V3 and V2, plain and `-Ma-`), each family
with a fresh 20-digit nonce; `-Ma-` is signed with the main account's token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from plivocb.form import ParamDict, encode_form, signed_params
from plivocb.signature import signed_headers, strip_signature_headers

FORM = "application/x-www-form-urlencoded"
Header = tuple[str, str]


@dataclass(slots=True)
class SignedRequest:
    method: str  # upper case
    url: str  # the URL signed and requested (a GET's params in its query)
    headers: list[Header]
    body: bytes
    params: ParamDict
    signed: bool  # False when no auth token was given: headers left as they were


def build(
    method: str,
    url: str,
    params: ParamDict,
    auth_token: str | None,
    main_auth_token: str | None = None,
    *,
    headers: Iterable[Header] = (),
    body: bytes | None = None,
) -> SignedRequest:
    """The request to send `params` to `url`, signed with `auth_token` (None: not signed).

    `body=None` builds the request from `params`: a GET's go into the URL's query, any other
    method's into a form body (with its Content-Type). Given a `body`, the URL and body are
    sent as they are (a recorded request) and `params` says what they carry. Signing drops any
    signature headers among `headers` and adds fresh ones; `main_auth_token` signs the `-Ma-`
    pair (the subaccount's own token when unset).
    """
    method = method.upper()
    out = headers if isinstance(headers, list) else list(headers)  # never mutated below
    if body is None:
        encoded = encode_form(params)
        if method == "GET":
            if encoded:
                url = f"{url}{'&' if '?' in url else '?'}{encoded}"
            body = b""
        else:
            body = encoded.encode("utf-8")
            out = [(k, v) for k, v in out if k.lower() != "content-type"]
            out.append(("Content-Type", FORM))
    if auth_token is None:
        return SignedRequest(method, url, out, body, params, False)
    out = strip_signature_headers(out)
    fresh = signed_headers(method, url, signed_params(method, params), auth_token, main_auth_token)
    out.extend(fresh.items())
    return SignedRequest(method, url, out, body, params, True)
