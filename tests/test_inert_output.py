"""Terminal output is inert: callback data never acts as rich markup or terminal control."""

from __future__ import annotations

import io
import json
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from plivocb import fixture as fx
from plivocb.display import CallbackEvent, LineDisplay, LiveDisplay
from plivocb.inert import json_safe, markup, visible
from tests.helpers import ANSWER, form, make_fixture
from tests.hostile import cli
from tests.inproc import InprocListen

HOSTILE = {
    **ANSWER,
    "From": "[/]",
    "To": "[bold red]x[link=file:///etc/passwd]y",
    "CallStatus": "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil",
    "CallerName": "a\r\nb\tc\x00",
}
CONTROL = {"\x1b", "\x07", "\x9b", "\u202e", "\r", "\x00"}


def _no_control(text: str) -> None:
    found = CONTROL & set(text)
    assert not found, f"raw control characters reached the terminal: {found!r}"


@given(st.text())
def test_visible_leaves_no_control_character(text: str) -> None:
    shown = visible(text)
    assert not any(c in shown for c in "\x1b\x07\x9b\r\n\t\x00\u202e")
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in shown)
    shown.encode("utf-8")  # always printable


@given(st.text())
def test_markup_renders_as_the_visible_text(text: str) -> None:
    console = Console(file=io.StringIO(), width=10_000, color_system=None, soft_wrap=True)
    # Embedded before a tag, as every caller uses it: rich.markup.escape doubles a trailing
    # backslash so it cannot escape the tag that follows.
    console.print(f"{markup(text)}[bold][/bold]", end="", highlight=False)
    assert console.file.getvalue() == visible(text)  # type: ignore[attr-defined]


def test_json_safe_escapes_c1_and_bidi_and_stays_json() -> None:
    dumped = json_safe(json.dumps({"x": "\x9b\u202e\ud800\x7f"}, ensure_ascii=False))
    assert not {"\x9b", "\u202e", "\x7f"} & set(dumped)
    assert json.loads(dumped) == {"x": "\x9b\u202e\ud800\x7f"}


def _event(**fields: str) -> CallbackEvent:
    return CallbackEvent(
        "2026-11-26T12:00:00+00:00", "answer", "POST", fields.get("path", "/answer"),
        from_=fields.get("from_", ""), to=fields.get("to", ""), summary=fields.get("summary", ""),
        ident="id", verdict="valid", status=200, file="f.toml",
    )  # fmt: skip


def test_live_table_renders_markup_lookalikes_literally() -> None:
    live = LiveDisplay()
    live.publish(_event(from_="[/]", to="[bold]x", summary=HOSTILE["CallStatus"], path="/[/]"))
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(live)  # raised rich.errors.MarkupError before
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[/] → [bold]x" in out
    _no_control(out)


@pytest.mark.parametrize("json_lines", [False, True])
def test_line_display_writes_no_control_characters(json_lines: bool) -> None:
    stream = io.StringIO()
    display = LineDisplay(json_lines=json_lines, stream=stream)
    display.thread.start()
    display.publish(_event(from_="[/]", summary=HOSTILE["CallStatus"] + "\ud800"))
    display.banner_stream = io.StringIO()
    display.stop([])
    out = stream.getvalue()
    _no_control(out)
    assert "[/]" in out


async def test_listen_and_fixtures_commands_print_hostile_callbacks_inertly(
    tmp_path: Path,
) -> None:
    out = tmp_path / "rec"
    lp = await InprocListen(["--tunnel", "none", "--port", "0", "--out", str(out)]).start()
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{lp.public_url}/answer",
            data=form(HOSTILE),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Evil": "[/]",
            },
        ) as r,
    ):
        assert r.status == 200
    await lp.wait_for(r"answer\s")
    assert await lp.stop() == 0
    _no_control(lp.text())
    assert "[/] → [bold red]x" in lp.text()
    (path,) = fx.iter_paths([str(out)])
    for args in (["fixtures", "show", str(path)], ["fixtures", "ls", str(out)]):
        code, stdout, stderr = await cli(*args)
        assert code == 0, stderr
        assert "Traceback" not in stderr
        _no_control(stdout + stderr)
        assert "[/]" in stdout
    code, stdout, stderr = await cli("fixtures", "show", str(path))
    assert "\\x1b]0;pwned\\x07" in stdout  # visible, not acted on


async def test_error_messages_quoting_a_file_are_inert(tmp_path: Path) -> None:
    bad = tmp_path / "[bold]x\x1b]0;t\x07.toml"
    bad.write_text(fx.to_toml(make_fixture(ANSWER)).replace("kind =", "kind = [1] #"))
    code, stdout, stderr = await cli("fixtures", "show", str(bad))
    assert code == 2 and "Traceback" not in stderr
    _no_control(stdout + stderr)
    assert "[bold]x\\x1b]0;t\\x07.toml" in stderr
