from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.helpers import ListenProcess

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
