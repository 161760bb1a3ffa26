"""Schemathesis against the live API: zero server errors (`make fuzz`, run by .ci/run).

    python tests/fuzz_api.py [--port 8104] [--examples 25]

On the database DATABASE_URL names (SQLite when unset, as `make run`): a fresh database
(`FUZZ_DATABASE_NAME`, default `fortress_fuzz`, on PostgreSQL; a temporary file on SQLite),
migrated and loaded with the demo data; then `manage.py runserver`, and Schemathesis's
fuzzing phase over `/api/schema/` with two workers, authenticated with a token of a demo
supervisor, obtained as an integration would: its password and a current code of its
authenticator app (this run requires the second factor, `FORTRESS_REQUIRE_MFA=1`). Checks
`not_a_server_error` and that every answer's body and content type are as the schema
documents them (`CHECKS`). Exits non-zero on any failure and prints the server's tracebacks.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The fuzzing user gets an authenticator-app device; its secret goes to this script, which
# obtains the token as any integration does: password and a current code (the second factor
# is required in this run: FORTRESS_REQUIRE_MFA=1).
FUZZ_USER = "vn.supervisor"
DEVICE = f"""
from agencies.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice
user = User.objects.get(username="{FUZZ_USER}")
TOTPDevice.objects.filter(user=user).delete()
print(TOTPDevice.objects.create(user=user, name="fuzz", confirmed=True).key)
"""


def _obtain_token(base: str, secret_hex: str) -> str:
    from django_otp.oath import TOTP

    code = f"{TOTP(bytes.fromhex(secret_hex)).token():06d}"
    body = json.dumps(
        {
            "username": FUZZ_USER,
            "password": os.environ.get("DEMO_PASSWORD", "fortress-demo"),
            "otp": code,
            "name": "fuzz",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (the local server started here)
        f"{base}/api/v1/auth/token/",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read())["token"]


# No 5xx, and every answer as the schema documents it: its body, and its content type.
# (`status_code_conformance` is left out: the schema documents each operation's success
# answers, not every 400 / 404 / 409 the error handler gives.)
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    import psycopg

    name = os.environ.get("FUZZ_DATABASE_NAME", "fortress_fuzz")
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def _wait(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("the server stopped before answering")
        try:
            urllib.request.urlopen(url, timeout=30)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server never answered")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FUZZ_PORT", 8104)))
    parser.add_argument("--examples", type=int, default=25, help="test cases per operation")
    parser.add_argument("--seed", type=int, help="Schemathesis seed, to reproduce a run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}  # eager
        env.update(
            DEBUG="1",
            DATABASE_URL=_database_url(tmp),
            LOG_LEVEL="WARNING",
            FORTRESS_REQUIRE_MFA="1",
        )
        print("== fuzz on", env["DATABASE_URL"].split("://")[0], flush=True)
        manage = [PYTHON, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        device = subprocess.run(
            [*manage, "shell", "-c", DEVICE], cwd=ROOT, env=env, check=True, capture_output=True
        )
        secret_hex = device.stdout.decode().split()[-1]
        log_path = tmp / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [*manage, "runserver", "--noreload", f"127.0.0.1:{args.port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{args.port}"
                _wait(f"{base}/api/schema/", server)
                key = _obtain_token(base, secret_hex)
                command = [
                    shutil.which("schemathesis", path=str(Path(PYTHON).parent)) or "schemathesis",
                    "run",
                    f"{base}/api/schema/",
                    "--phases=fuzzing",
                    f"--checks={CHECKS}",
                    "--workers=2",
                    f"--max-examples={args.examples}",
                    "--header",
                    f"Authorization: Token {key}",
                    # Revoking its own token would leave the rest of the run unauthenticated.
                    "--exclude-path-regex=^/api/v1/auth/",
                    "--suppress-health-check=all",
                    "--no-shrink",
                    "--report-dir",
                    str(tmp / "report"),
                ]
                if args.seed is not None:
                    command.append(f"--seed={args.seed}")
                code = subprocess.run(command, cwd=ROOT, check=False).returncode
            finally:
                server.terminate()
                server.wait(timeout=30)
        if code:
            text = log_path.read_text(errors="replace")
            tracebacks = [part for part in text.split("Traceback") if "Error" in part][:5]
            for part in tracebacks:
                print("Traceback" + part[-3000:], file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
