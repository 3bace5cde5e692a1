"""Run every benchmark (``make bench``): leaflets, booklets, the catalogue build, each in its own process.

Each script prints its own figures; they are recorded in docs/performance.md.
Benchmarks are never part of the test suite: timings there would be flaky.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script in ("leaflet.py", "booklet.py", "build.py"):
        path = HERE / script
        if not path.exists():
            continue
        print(f"== {script}", flush=True)
        status |= subprocess.call([sys.executable, str(path), *sys.argv[1:]])
    return status


if __name__ == "__main__":
    sys.exit(main())
