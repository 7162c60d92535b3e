"""Plivo's per-URL timeout budget: `#ct=…&rt=…&tt=…&rc=…&rp=…` in a URL's fragment (pure).

Source: https://plivo.com/docs/voice/concepts/callback-configurations (reference §3.2). The
fragment is never sent to the server, so the catcher cannot see it: it is known only where the
URL is known (a Plivo Application's URLs under `listen --app`, replay's `--to`/`--route` URLs).
Without it Plivo's defaults apply: connect 2 s, read 40 s, total 55 s, one retry on ct,rt.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from plivocb.errors import UsageError

# key: (low, high, default), all in ms except rc (a count)
RANGES = {
    "ct": (100, 10_000, 2_000),
    "rt": (100, 40_000, 40_000),
    "tt": (100, 55_000, 55_000),
    "rc": (0, 5, 1),
}
POLICIES = ("4xx", "5xx", "ct", "rt", "all")
EDGES = ("nearest", "local", "n_california", "n_virginia", "frankfurt", "singapore", "mumbai")


@dataclass(frozen=True)
class Budget:
    ct: int = 2_000
    rt: int = 40_000
    tt: int = 55_000
    rc: int = 1
    rp: tuple[str, ...] = ("ct", "rt")
    source: str = "Plivo's default"

    @property
    def limit_ms(self) -> int:
        """How long one reply may take before Plivo gives up on it."""
        return min(self.rt, self.tt)

    def over(self, elapsed_ms: float) -> str:
        """Why a reply this slow would have timed out at Plivo ("" when it would not)."""
        if elapsed_ms <= self.limit_ms:
            return ""
        key = "rt" if self.rt <= self.tt else "tt"
        what = "read timeout" if key == "rt" else "total timeout"
        return (
            f"took {elapsed_ms / 1000:.2f} s, over Plivo's {what} {key}={self.limit_ms} ms "
            f"({self.source}): Plivo would have given up on this reply"
        )


DEFAULT = Budget()


def parse_fragment(fragment: str) -> Budget:
    """The budget a URL fragment sets; raises ValueError naming a bad key or value."""
    values: dict[str, int] = {}
    policy: tuple[str, ...] = DEFAULT.rp
    seen = []
    for key, value in parse_qsl(fragment, keep_blank_values=True):
        if key in RANGES:
            low, high, _ = RANGES[key]
            if not value.isdigit() or not low <= int(value) <= high:
                raise ValueError(f"{key}={value!r} is not a number from {low} to {high}")
            values[key] = int(value)
        elif key == "rp":
            policy = tuple(p for p in value.split(",") if p)
            bad = [p for p in policy if p not in POLICIES]
            if bad or not policy:
                raise ValueError(f"rp={value!r}: each of {', '.join(POLICIES)}")
        elif key == "er":
            if value not in EDGES:
                raise ValueError(f"er={value!r} is not one of {', '.join(EDGES)}")
        else:
            raise ValueError(f"{key!r} is not a Plivo callback setting (ct, rt, tt, rc, rp, er)")
        seen.append(key)
    if not seen:
        return DEFAULT
    return Budget(
        values.get("ct", DEFAULT.ct),
        values.get("rt", DEFAULT.rt),
        values.get("tt", DEFAULT.tt),
        values.get("rc", DEFAULT.rc),
        policy,
        f"#{fragment}",
    )


def split(url: str) -> tuple[str, str]:
    """(the URL without its fragment, the fragment)."""
    base, _, fragment = url.partition("#")
    return base, fragment


def budget_of(url: str) -> Budget:
    """The budget a configured URL carries; Plivo's defaults when it has none or a bad one."""
    try:
        return parse_fragment(split(url)[1])
    except ValueError:
        return DEFAULT


def option_budget(url: str, option: str) -> tuple[str, Budget]:
    """An option's URL without its fragment, and the budget the fragment sets (usage errors)."""
    base, fragment = split(url)
    try:
        return base, parse_fragment(fragment)
    except ValueError as exc:
        raise UsageError(
            f"{option}: bad timeout fragment: {exc}",
            "Plivo's fragment looks like #ct=2000&rt=3000&tt=10000&rc=1&rp=ct,rt",
        ) from None
