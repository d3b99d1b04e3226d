"""``python -m tests.reliability [--long] [--figures PATH] [pytest args...]``

Runs the reliability suite in a new interpreter (as root it drops nothing itself: the tests'
forked children do), with the CI budget or, with ``--long``, the long one, and prints the
figures of the run (also written as JSON to ``--figures``, default
``build/reliability-figures.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__)
    parser.add_argument("--long", action="store_true", help="the long run (see docs)")
    parser.add_argument(
        "--figures",
        type=Path,
        default=HERE.parent.parent / "build" / "reliability-figures.json",
        help="where to write the figures (JSON)",
    )
    args, rest = parser.parse_known_args(argv)
    env = dict(os.environ)
    env["SYSAPI_RELIABILITY"] = "long" if args.long else "ci"
    env["SYSAPI_RELIABILITY_FIGURES"] = str(args.figures)
    args.figures.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", str(HERE), "-p", "no:cacheprovider", *rest]
    status = subprocess.call(command, env=env, cwd=HERE.parent.parent)
    if args.figures.exists():
        print(json.dumps(json.loads(args.figures.read_text()), indent=1, sort_keys=True))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
