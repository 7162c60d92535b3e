"""pytest plugin (entry point `pytest11`): Plivo callback fixtures for a developer's tests.

Fixtures: `plivocb_fixture_dir`, `plivocb_fixtures`, `plivocb_auth_token`,
`plivocb_signed_request`, `plivocb_replay` and `plivocb_simulate`. plivocb's modules load
inside the fixtures only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from plivocb.simulate.testing import Simulator
    from plivocb.testing import FixtureSet

DEFAULT_TOKEN = "plivocb-test-auth-token"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plivocb", "Plivo callback fixtures (plivocb)")
    group.addoption(
        "--plivocb-fixtures",
        dest="plivocb_fixtures",
        metavar="DIR",
        default=None,
        help="directory of plivocb fixture files (default: ini plivocb_fixtures, else fixtures/)",
    )
    group.addoption(
        "--plivocb-auth-token",
        dest="plivocb_auth_token",
        metavar="TOKEN",
        default=None,
        help="auth token used to sign test callbacks (default: ini plivocb_auth_token)",
    )
    parser.addini("plivocb_fixtures", "directory of plivocb fixture files", default="fixtures")
    parser.addini(
        "plivocb_auth_token", "auth token used to sign test callbacks", default=DEFAULT_TOKEN
    )


@pytest.fixture
def plivocb_fixture_dir(pytestconfig: pytest.Config) -> Path:
    """The directory plivocb fixtures are loaded from (--plivocb-fixtures or ini)."""
    value = pytestconfig.getoption("plivocb_fixtures") or pytestconfig.getini("plivocb_fixtures")
    path = Path(str(value))
    return path if path.is_absolute() else Path(pytestconfig.rootpath) / path


@pytest.fixture
def plivocb_fixtures(plivocb_fixture_dir: Path) -> FixtureSet:
    """Fixtures by name, glob, kind or call: `.load()`, `.glob()`, `.kind()`, `.call()`."""
    from plivocb.testing import FixtureSet

    return FixtureSet(
        plivocb_fixture_dir, "set --plivocb-fixtures DIR or the plivocb_fixtures ini option"
    )


@pytest.fixture
def plivocb_auth_token(pytestconfig: pytest.Config) -> str:
    """The auth token test callbacks are signed with (configure your app under test with it)."""
    return str(
        pytestconfig.getoption("plivocb_auth_token") or pytestconfig.getini("plivocb_auth_token")
    )


@pytest.fixture
def plivocb_signed_request(plivocb_auth_token: str) -> Callable[..., Any]:
    """Factory: `(fixture_or_params, url, auth_token=None, method=None, overrides=None)`."""
    from plivocb.testing import signed_request

    def factory(
        source: Any,
        url: str,
        auth_token: str | None = None,
        method: str | None = None,
        overrides: dict[str, str] | None = None,
    ) -> Any:
        return signed_request(source, url, auth_token or plivocb_auth_token, method, overrides)

    return factory


@pytest.fixture
def plivocb_replay(plivocb_auth_token: str) -> Callable[..., Any]:
    """Async helper: `await plivocb_replay(aiohttp_client, fixture_or_fixtures)` -> replies."""
    from plivocb.testing import replay_to_client

    async def replay(client: Any, fixtures: Any, auth_token: str | None = None) -> Any:
        return await replay_to_client(client, fixtures, auth_token or plivocb_auth_token)

    return replay


@pytest.fixture
def plivocb_simulate(plivocb_auth_token: str) -> Simulator:
    """Play Plivo against your app: `await plivocb_simulate.call(client, "/answer", ...)`."""
    from plivocb.simulate.testing import Simulator

    return Simulator(plivocb_auth_token)
