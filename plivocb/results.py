"""What a replay produces: one `Result` per fixture and a `Summary`.

Shared by the engine (plivocb.replay) and every replay output (plivocb.replay_output's terminal
outputs, plivocb.report's JUnit, the inspector), so that rendering a result never needs the
network stack. Pure: standard library + plivocb.fixture.model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plivocb.fixture.model import Response


@dataclass
class Result:
    fixture: str
    kind: str
    method: str
    url: str
    group: str
    status: int | None = None
    elapsed_ms: float = 0.0
    reasons: list[str] = field(default_factory=list)
    signed: bool = False
    skipped: str = ""  # why a check could not run (no baseline for --compare); not a failure
    baseline_updated: bool = False
    response: Response | None = None  # what the app answered (kept only for --update-baseline)
    response_type: str = ""  # kept for the inspector's side-by-side view
    response_body: str = ""

    @property
    def passed(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, object]:
        return {
            "fixture": self.fixture,
            "kind": self.kind,
            "method": self.method,
            "url": self.url,
            "call": self.group,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "signed": self.signed,
            "passed": self.passed,
            "skipped": self.skipped,
            "baseline_updated": self.baseline_updated,
            "reasons": self.reasons,
        }


@dataclass
class Summary:
    total: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0  # passed, but --compare had no baseline to compare with
    updated: int = 0  # fixtures whose [response] --update-baseline rewrote
    elapsed_s: float = 0.0
    stopped_early: bool = False
    interrupted: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "summary": True,
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "updated": self.updated,
            "elapsed_s": round(self.elapsed_s, 3),
            "stopped_early": self.stopped_early,
            "interrupted": self.interrupted,
        }
