"""`python -m plivocb` and the `plivocb` script.

Ctrl-C while Python is still importing the CLI ends quietly: `listen` then reports its empty run
and exits 0 like any Ctrl-C of `listen`, other commands exit 130.
"""

import sys


def _interrupted_before_start() -> None:
    if sys.argv[1:2] == ["listen"]:
        print("plivocb stopped: 0 callbacks recorded (none)", file=sys.stderr, flush=True)
        raise SystemExit(0)
    raise SystemExit(130)


def run() -> None:
    try:
        from plivocb.cli import main
    except KeyboardInterrupt:
        _interrupted_before_start()
    main()


if __name__ == "__main__":
    run()
