"""CI reports: JUnit XML written as results stream in (one testcase per fixture)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

from plivocb.atomic_write import replacing
from plivocb.results import Result, Summary
from plivocb.xml_chars import NOT_XML_CHAR


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: anything else becomes U+FFFD."""
    return NOT_XML_CHAR.sub("\ufffd", text)


class JUnitWriter:
    """Test cases go to a temp file as they finish; `close` wraps them in a <testsuite>.

    Also a replay output (plivocb.replay_output.ReplayOutput): start / result / finish."""

    def __init__(self, path: Path, suite: str = "plivocb replay") -> None:
        self.path = path  # checked by the CLI before the run (cli.common.require_output_file)
        self.suite = suite
        # lives across add() calls; closed in close()
        self._body: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, result: Result) -> None:
        name = quoteattr(_clean(Path(result.fixture).name))
        classname = quoteattr(_clean(f"{self.suite.replace(' ', '.')}.{result.kind}"))
        seconds = result.elapsed_ms / 1000
        self._body.write(f'  <testcase classname={classname} name={name} time="{seconds:.3f}"')
        if result.passed and result.skipped:
            self._body.write(
                f">\n    <skipped message={quoteattr(_clean(result.skipped))}/>\n  </testcase>\n"
            )
            return
        if result.passed:
            self._body.write("/>\n")
            return
        message = quoteattr(_clean(result.reasons[0].splitlines()[0]))
        detail = _clean(
            f"{result.method} {result.url}\nstatus: {result.status}\n" + "\n".join(result.reasons)
        )
        detail = detail.replace("]]>", "]]]]><![CDATA[>")
        self._body.write(
            f'>\n    <failure message={message} type="ReplayCheckFailed">'
            f"<![CDATA[{detail}]]></failure>\n  </testcase>\n"
        )

    def start(self, expected: int | None) -> None:
        return None

    def result(self, result: Result) -> None:
        self.add(result)

    def finish(self, summary: Summary) -> None:
        self.close(summary)

    def close(self, summary: Summary) -> None:
        try:
            with replacing(self.path) as out:
                self._write(out, summary)
        finally:
            self._body.close()

    def _write(self, out: IO[str], summary: Summary) -> None:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(
            f'<testsuites tests="{summary.total}" failures="{summary.failed}" '
            f'time="{summary.elapsed_s:.3f}">\n'
            f'<testsuite name={quoteattr(self.suite)} tests="{summary.total}" '
            f'failures="{summary.failed}" errors="0" skipped="{summary.skipped}" '
            f'time="{summary.elapsed_s:.3f}">\n'
        )
        self._body.seek(0)
        shutil.copyfileobj(self._body, out)
        out.write("</testsuite>\n</testsuites>\n")
