"""The inspector page in real headless Chromium (Debian's package) driven by Playwright.

A real `plivocb listen` subprocess forwards to a real app that checks every signature with the
plivo SDK. Skipped with a reason when /usr/bin/chromium or playwright is missing, unless
PLIVOCB_REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers import ANSWER, HANGUP, MESSAGE, TOKEN, ListenProcess, form, signed
from tests.inspector_helpers import CheckingApp, start_checking_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _missing() -> str:
    if not CHROMIUM.exists():
        return "Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return ""


@pytest.fixture
def browser_available() -> None:
    reason = _missing()
    if reason and os.environ.get("PLIVOCB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PLIVOCB_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)


@dataclass
class Setup:
    page: Any
    listen: ListenProcess
    dev: CheckingApp
    url: str
    errors: list[str] = field(default_factory=list)

    async def send(self, path: str, params: dict[str, str]) -> None:
        url = f"{self.listen.public_url}{path}"
        async with (
            aiohttp.ClientSession() as s,
            s.post(url, data=form(params), headers={**FORM, **signed("POST", url, params)}) as r,
        ):
            assert r.status == 200

    def rows(self) -> Any:
        table = self.page.get_by_role("table", name="Callbacks, newest first")
        return table.locator("tbody tr[data-id]")


@pytest.fixture
async def ui(browser_available: None, tmp_path: Path, aiohttp_server: Any) -> AsyncIterator[Setup]:
    from playwright.async_api import async_playwright

    dev = await start_checking_app(aiohttp_server)
    lp = await ListenProcess(
        [
            "--tunnel",
            "none",
            "--port",
            "0",
            "--inspect-port",
            "0",
            "--out",
            str(tmp_path),
            "--forward-to",
            dev.base,
        ],
        env={"PLIVO_AUTH_TOKEN": TOKEN},
    ).start()
    match = await lp.wait_for(r"inspector\s+(http://127\.0\.0\.1:\d+/\?token=\S+)")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            setup = Setup(page, lp, dev, match.group(1))
            page.on(
                "console",
                lambda msg: setup.errors.append(msg.text) if msg.type == "error" else None,
            )
            page.on("pageerror", lambda exc: setup.errors.append(str(exc)))
            await page.goto(setup.url)
            await page.get_by_role("status").filter(has_text="live").wait_for(timeout=10_000)
            yield setup
        finally:
            await browser.close()
    assert await lp.stop() == 0


@pytest.mark.serial  # the row within 1 s
async def test_page_loads_clean_and_a_callback_appears_live(ui: Setup) -> None:
    assert await ui.rows().count() == 0
    started = time.monotonic()
    await ui.send("/answer", ANSWER)
    await ui.rows().first.wait_for(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"row appeared after {elapsed:.2f} s"
    assert await ui.rows().count() == 1
    cells = await ui.rows().first.locator("td").all_inner_texts()
    assert cells[1] == "answer" and cells[2] == "14155550100 → 14155550199"
    assert "valid" in cells[4] and cells[5] == "200"
    assert "token=" not in ui.page.url  # taken out of the address bar
    assert ui.errors == []


async def test_selecting_shows_params_and_replay_is_accepted(ui: Setup) -> None:
    await ui.send("/answer", ANSWER)
    await ui.rows().first.click()
    params = ui.page.get_by_role("table", name="Params")
    await params.get_by_role("cell", name=ANSWER["CallUUID"]).wait_for(timeout=5_000)
    assert await params.get_by_role("row", name="CallerName Alice").count() == 1
    seen = len(ui.dev.seen)  # the forwarded original
    await ui.page.get_by_role("button", name="Replay", exact=True).click()
    summary = ui.page.locator("#r-summary")
    await summary.filter(has_text="→ 200").wait_for(timeout=10_000)
    assert "re-signed" in await summary.inner_text()
    assert len(ui.dev.seen) == seen + 1 and ui.dev.seen[-1]["valid"] is True
    assert await ui.page.locator("#r-diff").inner_text() == "Same as the recording."
    assert ui.errors == []


async def test_edit_and_replay_sends_the_edited_value_still_valid(ui: Setup) -> None:
    from playwright.async_api import expect

    await ui.send("/answer", ANSWER)
    await ui.rows().first.click()
    await ui.page.get_by_role("button", name="Edit and replay").click()
    await ui.page.get_by_label("CallerName", exact=True).fill("Bob <script>")
    await ui.page.get_by_role("button", name="Replay edited").click()
    await ui.page.locator("#r-summary").filter(has_text="→ 200").wait_for(timeout=10_000)
    last = ui.dev.seen[-1]
    assert last["params"]["CallerName"] == "Bob <script>" and last["valid"] is True
    assert last["params"]["CallUUID"] == ANSWER["CallUUID"]  # the rest unchanged
    await ui.page.get_by_role("button", name="Copy as curl").click()
    curl = ui.page.get_by_role("textbox", name="curl command")
    await expect(curl).to_have_value(re.compile(r"^curl -sS -X POST "), timeout=5_000)
    assert "X-Plivo-Signature-V3-Nonce" in await curl.input_value()
    assert TOKEN not in await curl.input_value()
    assert ui.errors == []


async def test_filter_and_grouping_narrow_the_table(ui: Setup) -> None:
    from playwright.async_api import expect

    await ui.send("/answer", ANSWER)
    await ui.send("/message", MESSAGE)
    await ui.send("/hangup", HANGUP)
    await expect(ui.rows()).to_have_count(3)
    kinds = [await r.locator("td").nth(1).inner_text() for r in await ui.rows().all()]
    assert kinds == ["hangup", "message", "answer"]  # newest first
    await ui.page.get_by_role("searchbox").fill("ümlæt")  # the SMS text, searched server-side
    await expect(ui.rows()).to_have_count(1)
    assert await ui.rows().first.locator("td").nth(1).inner_text() == "message"
    await ui.page.get_by_role("searchbox").fill(f"call:{ANSWER['CallUUID']}")
    await expect(ui.rows()).to_have_count(2)
    await ui.page.get_by_role("searchbox").fill("")
    await ui.page.get_by_label("Kind").select_option("hangup")
    await expect(ui.rows()).to_have_count(1)
    await ui.page.get_by_label("Kind").select_option("")
    await ui.page.get_by_label("Group by call").check()
    groups = ui.page.get_by_role("rowgroup").filter(has=ui.page.locator("tr.group"))
    await groups.first.wait_for(timeout=5_000)
    assert await groups.count() == 2
    call = groups.filter(has_text=ANSWER["CallUUID"])
    kinds = await call.locator("tr[data-id] td:nth-child(2)").all_inner_texts()
    assert kinds == ["answer", "hangup"]  # a call's timeline, oldest first
    assert ui.errors == []


def test_missing_browser_skips_with_a_reason_unless_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tests.test_inspector_browser as me

    monkeypatch.setattr(me, "CHROMIUM", tmp_path / "no-chromium")
    assert "apt-get install -y chromium" in _missing()
    monkeypatch.delenv("PLIVOCB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        browser_available.__wrapped__()  # type: ignore[attr-defined]
    monkeypatch.setenv("PLIVOCB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PLIVOCB_REQUIRE_BROWSER=1 but"):
        browser_available.__wrapped__()  # type: ignore[attr-defined]
