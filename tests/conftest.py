from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections.abc import Iterator

import pytest

from tests.helpers import ListenProcess
from tests.inproc import InprocListen

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_orphan_listeners() -> Iterator[None]:
    """A test that fails midway must not leave a `plivocb listen` process running."""
    yield
    while ListenProcess.started:
        lp = ListenProcess.started.pop()
        if lp.proc is not None and lp.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                lp.proc.kill()
    while InprocListen.started:
        InprocListen.started.pop().kill()


# A test is `slow` when it starts a real process: `plivocb listen` (signals, kill -9, the ngrok
# agent), a pty, a browser, a pytest subprocess, interpreter start-up imports. Everything else
# runs the CLI in-process (tests/inproc.py). `pytest -m "not slow"` is the quick loop; CI
# (.ci/run) runs both. Tagged from the source of the test and of the fixtures it uses, so a new
# process test is tagged without anyone remembering to.
_PROCESS = re.compile(
    r"ListenProcess|create_subprocess_exec|subprocess\.(run|Popen)|runpytest_subprocess"
    r"|\bPopen\(|pty\.|_inspect\(|chromium|playwright"
)


@functools.cache
def _starts_a_process(function: object) -> bool:
    try:
        source = inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    return bool(_PROCESS.search(source))


def _uses_a_process(item: pytest.Item) -> bool:
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        for defs in info.name2fixturedefs.values():
            module = getattr(item, "module", None)
            # fixtures the test's own module defines (not conftest's autouse clean-up)
            functions += [d.func for d in defs if module and d.func.__module__ == module.__name__]
    return any(_starts_a_process(f) for f in functions if f is not None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "slow" not in item.keywords and _uses_a_process(item):
            item.add_marker(pytest.mark.slow)
