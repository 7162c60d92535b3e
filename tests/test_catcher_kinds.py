"""The catcher's own answer follows the kinds table: XML kinds get the answer document, the rest
an empty <Response></Response>."""

from __future__ import annotations

from pathlib import Path

import pytest

from plivocb.catcher import DEFAULT_ANSWER_XML, EMPTY_XML, CatcherConfig, Stats, create_app
from tests.helpers import form
from tests.test_catcher import Recorder
from tests.test_kinds import CASES

ANSWER_XML = "<Response><Speak>from the file</Speak></Response>"


@pytest.mark.parametrize(
    ("name", "params", "path", "kind", "reply"), CASES, ids=[c[0] for c in CASES]
)
async def test_catcher_answers_each_kind_as_plivo_expects(
    aiohttp_client,
    tmp_path: Path,
    name: str,
    params: dict[str, list[str]],
    path: str,
    kind: str,
    reply: str,
) -> None:  # type: ignore[no-untyped-def]
    config = CatcherConfig(
        out_dir=tmp_path, public_base="https://pub.example", answer_xml=ANSWER_XML
    )
    recorder = Recorder()
    client = await aiohttp_client(create_app(config, recorder, Stats()))
    flat = {k: v[0] for k, v in params.items()}
    resp = await client.post(
        path, data=form(flat), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/xml")
    body = await resp.text()
    assert recorder.events[-1].kind == kind
    assert body == (ANSWER_XML if reply == "xml" else EMPTY_XML)


def test_the_built_in_answer_is_valid_plivo_xml() -> None:
    from plivocb import plivoxml

    assert plivoxml.problems(DEFAULT_ANSWER_XML, "text/xml") == []
