"""How long a full pass of Python's cyclic collector takes in the served application, before
and after `config/wsgi.py` freezes what loading made (docs/PERFORMANCE.md).

    DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECRET_KEY=<50+ characters> \\
        .venv/bin/python benchmarks/collector_pass.py
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def passes(n: int = 5) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    import config.wsgi  # noqa: F401 (loads the project and its URL patterns, and freezes them)

    frozen = gc.get_freeze_count()
    gc.unfreeze()  # measure without the freeze first
    gc.collect()
    print(f"objects tracked after loading: {len(gc.get_objects()):,} (frozen by wsgi: {frozen:,})")
    print("full pass, nothing frozen (ms):", ", ".join(f"{t:.1f}" for t in passes()))
    gc.freeze()
    print("full pass, loaded objects frozen (ms):", ", ".join(f"{t:.1f}" for t in passes()))


if __name__ == "__main__":
    main()
