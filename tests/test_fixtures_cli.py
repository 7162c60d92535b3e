"""`plivocb fixtures new|ls|show|validate|redact`, run through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from plivocb import fixture as fx
from plivocb.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def _load_all(directory: Path) -> list[fx.Fixture]:
    return [fx.load(p) for p in fx.iter_paths([str(directory)])]


KIND_CASES = [
    ("answer", [], ["answer"]),
    ("answer", ["--direction", "outbound"], ["answer"]),
    ("hangup", [], ["hangup"]),
    ("message", [], ["message"]),
    ("message", ["--type", "mms"], ["message"]),
    ("message", ["--type", "whatsapp"], ["message"]),
    ("message_status", [], ["message_status"] * 3),
    ("recording", [], ["recording"]),
    ("digits", ["--digits", "42"], ["digits"]),
    ("dial", [], ["dial"]),
    ("call", ["--digits", "1", "--record"], ["answer", "digits", "recording", "hangup"]),
    ("conversation", [], ["message"] + ["message_status"] * 3),
]


@pytest.mark.parametrize(("kind", "extra", "expected"), KIND_CASES)
def test_every_kind_generates_valid_fixtures(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    kind: str,
    extra: list[str],
    expected: list[str],
) -> None:
    code, out, _ = cli(capsys, "fixtures", "new", kind, "--out", str(tmp_path), *extra)
    assert code == 0 and len(out.splitlines()) == len(expected)
    assert [f.kind for f in _load_all(tmp_path)] == expected
    code, out, _ = cli(capsys, "fixtures", "validate", str(tmp_path))
    assert code == 0, out
    assert f"{len(expected)} fixtures checked, 0 with problems" in out


def test_whole_call_is_coherent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(capsys, "fixtures", "new", "call", "--digits", "5", "--record", "--talk", "75",
        "--from", "14155550100", "--to", "14155550199", "--out", str(tmp_path), "--seed", "7")  # fmt: skip
    answer, digits, recording, hangup = _load_all(tmp_path)
    uuids = {f.params["CallUUID"][0] for f in (answer, digits, recording, hangup)}
    assert len(uuids) == 1
    assert answer.params["From"] == ["14155550100"] and hangup.params["To"] == ["14155550199"]
    assert answer.received_at < digits.received_at < recording.received_at < hangup.received_at
    assert hangup.params["Duration"] == ["75"] and hangup.params["BillDuration"] == ["120"]
    assert hangup.params["HangupCauseName"] == ["Normal Hangup"]
    assert digits.params["Digits"] == ["5"]
    rec = recording.params
    assert int(rec["RecordingEndMs"][0]) - int(rec["RecordingStartMs"][0]) == int(
        rec["RecordingDurationMs"][0]
    )


def test_busy_cause_and_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(capsys, "fixtures", "new", "hangup", "--cause", "3010", "--count", "3",
        "--set", "X-PH-Tenant=acme", "--out", str(tmp_path))  # fmt: skip
    found = _load_all(tmp_path)
    assert len(found) == 3 and len({f.params["CallUUID"][0] for f in found}) == 3
    for f in found:
        assert f.params["HangupCauseName"] == ["Busy Line"] and f.params["CallStatus"] == ["busy"]
        assert f.params["Duration"] == ["0"] and f.params["AnswerTime"] == [""]
        assert f.params["X-PH-Tenant"] == ["acme"]
        assert b"X-PH-Tenant=acme" in f.request.body
    code, _, err = cli(
        capsys, "fixtures", "new", "hangup", "--cause", "1234", "--out", str(tmp_path)
    )
    assert code == 2 and "not in Plivo's hangup cause table" in err


def test_mms_and_delivery_reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(capsys, "fixtures", "new", "conversation", "--type", "mms", "--out", str(tmp_path))
    message, *reports = _load_all(tmp_path)
    assert (
        message.params["MediaCount"] == ["2"]
        and "Media1" in message.params
        and "Media2" in message.params
    )
    assert [r.params["Status"][0] for r in reports] == ["queued", "sent", "delivered"]
    assert [r.params["Sequence"][0] for r in reports] == ["1", "2", "3"]
    assert reports[0].params["To"] == message.params["From"]  # the reply goes back to the sender


def test_validate_reports_each_problem_and_broken_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli(capsys, "fixtures", "new", "hangup", "--out", str(tmp_path))
    [path] = list(tmp_path.iterdir())
    f = fx.load(path)
    params = dict(f.params, HangupCauseCode=["40x0"], Direction=["sideways"])
    fx.write_in_place(f.with_(params=params), path)
    (tmp_path / "broken.toml").write_text("plivocb_fixture = 1\n[request")
    code, out, _ = cli(capsys, "fixtures", "validate", str(tmp_path))
    assert code == 1
    assert "HangupCauseCode: '40x0' is not an integer" in out
    assert "Direction: 'sideways' is not one of: inbound, outbound" in out
    assert "HangupCauseCode: [params] has '40x0' but the recorded body has '4000'" in out
    assert "replay sends the body" in out
    assert "broken.toml:\n  - not valid TOML" in out
    assert "2 fixtures checked, 2 with problems" in out


def test_validate_levels_warnings_pass_unless_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli(capsys, "fixtures", "new", "hangup", "--cause", "1000", "--out", str(tmp_path))
    [path] = list(tmp_path.iterdir())
    f = fx.load(path)
    # real traffic: an unlisted code Plivo's own material shows, and the British spelling
    params = dict(f.params, HangupCauseCode=["5030"], HangupSource=["Gremlin"])
    fx.write_in_place(f.with_(params=params, request=_rebody(f, params)), path)
    code, out, _ = cli(capsys, "fixtures", "validate", str(tmp_path))
    assert code == 0, out
    assert "warning: HangupCauseCode: 5030 is not in Plivo's hangup cause table" in out
    assert "1 fixtures checked, 0 with problems, 1 with warnings only" in out
    code, out, _ = cli(capsys, "fixtures", "validate", "--strict", str(tmp_path))
    assert code == 1 and "1 with problems" in out


def _rebody(f: fx.Fixture, params: dict[str, list[str]]) -> fx.Request:
    from dataclasses import replace

    from plivocb.form import encode_form

    return replace(f.request, body=encode_form(params).encode())


def test_redact_in_place(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(
        capsys,
        "fixtures",
        "new",
        "call",
        "--from",
        "14155550100",
        "--to",
        "14155550199",
        "--out",
        str(tmp_path),
    )
    cli(capsys, "fixtures", "new", "message", "--from", "14155550199", "--out", str(tmp_path))
    code, out, _ = cli(capsys, "fixtures", "redact", str(tmp_path))
    assert code == 0 and "redacted 3 fixtures" in out
    files = _load_all(tmp_path)
    assert all(f.redacted for f in files)
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert "14155550100" not in text and "14155550199" not in text
    by_kind = {f.kind: f for f in files}
    answer, hangup, message = by_kind["answer"], by_kind["hangup"], by_kind["message"]
    assert answer.params["To"] == hangup.params["To"] == message.params["From"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    code, out, _ = cli(capsys, "fixtures", "redact", str(tmp_path))
    assert "skipped 3 already redacted" in out


def test_ls_and_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(
        capsys,
        "fixtures",
        "new",
        "answer",
        "--from",
        "14155550100",
        "--to",
        "14155550199",
        "--out",
        str(tmp_path),
    )
    code, out, _ = cli(capsys, "fixtures", "ls", str(tmp_path))
    assert code == 0
    [line] = out.splitlines()
    assert "answer\t14155550100 → 14155550199" in line and "\tunsigned\t" in line
    path = line.split("\t")[-1]
    code, out, _ = cli(capsys, "fixtures", "show", path)
    assert (
        code == 0 and "CallUUID" in out and "signature: unsigned" in out and "POST https://" in out
    )
    code, _, err = cli(capsys, "fixtures", "show", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err


def test_committed_sample_fixtures_validate(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1] / "fixtures"
    code, out, _ = cli(capsys, "fixtures", "validate", str(root))
    assert code == 0 and "9 fixtures checked, 0 with problems" in out
    kinds = sorted(f.kind for f in _load_all(root))
    assert kinds == sorted(["answer", "hangup"] * 2 + ["message"] * 2 + ["message_status"] * 3)
