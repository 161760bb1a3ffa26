"""The embedded default of `make run`: the web server and, beside it, a Celery worker with
beat (the periodic jobs) on a broker that needs no server.

    python -m config.embedded --port 8000

Unless CELERY_BROKER_URL says otherwise, both use kombu's filesystem transport
(`filesystem://`, messages in FORTRESS_BROKER_DIR, see config/settings.py): the web process
publishes its tasks there and the worker runs them; beat queues the sweeps every minute and
the overdue repatriation check every hour. Ctrl-C (or SIGTERM) stops both; so does either
one stopping.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(port: int, broker_dir: Path) -> dict[str, list[str]]:
    return {
        "worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            f"--schedule={broker_dir / 'beat-schedule'}",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.setdefault("CELERY_BROKER_URL", "filesystem://")
    broker_dir = Path(env.get("FORTRESS_BROKER_DIR") or ROOT / "var" / "broker")
    broker_dir.mkdir(parents=True, exist_ok=True)
    print(f"Celery worker and beat on {env['CELERY_BROKER_URL']} beside the web server.")
    children = {
        name: subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
        for name, command in commands(args.port, broker_dir).items()
    }

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        code = next(c.returncode for c in children.values() if c.returncode is not None) or 1
    except KeyboardInterrupt:
        pass
    finally:
        # Ctrl-C reached the children too (one process group); SIGTERM is for the rest.
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
