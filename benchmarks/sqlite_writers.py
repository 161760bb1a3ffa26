"""Concurrent writers on the embedded default: the real server on a file SQLite database.

    python benchmarks/sqlite_writers.py --seconds 60 --writers 2

Migrates a fresh SQLite file, makes one investigator (with an API token) per writer, starts
the server the way `make run` does (`manage.py runserver`, plus the Celery worker with beat
on the filesystem broker unless `--no-worker`), then has each writer create cases, add
indicators and edit the cases through the API for the given time. Prints the count of
answers by status and exits 1 if any answer was a server error (5xx) or nothing was written.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

_SETUP = """
import json
from agencies.models import Agency, Role, User
from agencies.services import token_create
agency, _ = Agency.objects.get_or_create(
    code="bench",
    defaults={{"name": "Bench", "country": "VN", "contact_email": "b@example.org"}},
)
keys = []
for n in range({writers}):
    user, _ = User.objects.get_or_create(
        username=f"writer{{n}}", defaults={{"agency": agency, "role": Role.INVESTIGATOR}}
    )
    keys.append(token_create(user=user, name="bench")[1])
print(json.dumps(keys))
"""


def _manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


def _call(base: str, key: str, method: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read()[:300].decode(errors="replace")}


def _writer(base: str, key: str, n: int, deadline: float, counts: Counter, errors: list) -> None:
    i = 0
    while time.monotonic() < deadline:
        i += 1
        answers = []
        code, case = _call(base, key, "POST", "/api/v1/cases/", {"title": f"Writer {n} #{i}"})
        answers.append((code, case))
        if code == 201:
            indicator = {"case": case["id"], "kind": "phone", "value": f"+8491{n}{i:06d}"}
            answers.append(_call(base, key, "POST", "/api/v1/indicators/", indicator))
            edit = {"summary": "edited", "version": case["version"]}
            answers.append(_call(base, key, "PATCH", f"/api/v1/cases/{case['id']}/", edit))
        for code, body in answers:
            counts[code] += 1
            if code >= 500 and len(errors) < 5:
                errors.append(body)


def run(*, seconds: float, writers: int, port: int, database: Path, worker: bool) -> Counter:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        FORTRESS_BROKER_DIR=str(database.parent / f"{database.stem}-broker"),
    )
    _manage(env, "migrate", "--noinput", "-v0")
    keys = json.loads(
        _manage(env, "shell", "-c", _SETUP.format(writers=writers), capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    # As `make run` starts it: the web server and the worker with beat (config/embedded.py).
    command = ["-m", "config.embedded", "--port", str(port)]
    if not worker:
        command = ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, *command],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    counts: Counter = Counter()
    errors: list = []
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/schema/", timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # the server answers (401 without a token)
            except OSError:
                time.sleep(0.1)
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=_writer, args=(base, key, n, deadline, counts, errors))
            for n, key in enumerate(keys)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    for body in errors:
        print("server error:", body, file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--database", type=Path, help="SQLite file (default: a fresh temp file)")
    parser.add_argument("--no-worker", action="store_true", help="web server only (eager tasks)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        counts = run(
            seconds=args.seconds,
            writers=args.writers,
            port=args.port,
            database=args.database or Path(tmp) / "writers.sqlite3",
            worker=not args.no_worker,
        )
    server_errors = sum(n for code, n in counts.items() if code >= 500)
    print(f"requests: {sum(counts.values())}  by status: {dict(sorted(counts.items()))}")
    print(f"5xx: {server_errors}")
    return 1 if server_errors or not counts.get(201) else 0


if __name__ == "__main__":
    sys.exit(main())
