"""Run `python -m MODULE ARGS…` in this process and write its peak RSS (VmHWM, kB) to OUT at exit.

    python bench/peak_rss.py OUT MODULE [ARGS…]

The peak is read from /proc/self/status inside the measured process: `ru_maxrss` of a child
started from a large parent can report the parent's peak (Linux carries it across exec).
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys


def _write_peak(out: str) -> None:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(out, "w", encoding="ascii") as handle:
        handle.write(peak)


def main() -> None:
    out, module, *args = sys.argv[1:]
    atexit.register(_write_peak, out)
    sys.argv = [module, *args]
    sys.path[0] = os.getcwd()  # as `python -m` does, instead of this script's directory
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
