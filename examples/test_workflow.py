"""The example CI workflow, run here: start the app, replay fixtures/ with the workflow's command."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

HERE = Path(__file__).parent
ROOT = HERE.parent
WORKFLOW = HERE / ".github" / "workflows" / "plivo-replay.yml"


def _steps() -> tuple[dict[str, str], dict[str, str]]:
    data = yaml.safe_load(WORKFLOW.read_text())
    job = data["jobs"]["replay"]
    return {s.get("name", ""): s.get("run", "") for s in job["steps"]}, job["env"]


def test_workflow_replays_committed_fixtures(tmp_path: Path) -> None:
    steps, env = _steps()
    replay_cmd = shlex.split(steps["Replay recorded callbacks"])
    assert replay_cmd[:3] == ["plivocb", "replay", "fixtures/"]
    assert (
        "--junit" in replay_cmd and "python examples/app.py --port 5000 &" in steps["Start the app"]
    )

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run_env = {**os.environ, **env}
    app = subprocess.Popen(
        [sys.executable, str(HERE / "app.py"), "--port", str(port)],
        env=run_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        args = [
            a.replace("5000", str(port)).replace("report.xml", str(tmp_path / "report.xml"))
            for a in replay_cmd
        ]
        args = [sys.executable, "-m", "plivocb", *args[1:]]
        done = subprocess.run(
            args, env=run_env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    finally:
        app.terminate()
        app.wait(10)
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "9" and suite.get("failures") == "0"
