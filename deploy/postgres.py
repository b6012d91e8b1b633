"""A throwaway PostgreSQL cluster (Debian's `postgresql` binaries) for tests and load runs.

    python deploy/postgres.py run -- python -m pytest tests/classroom   # env var set inside
    python deploy/postgres.py serve --for 600                          # prints the URL

initdb + pg_ctl under a fresh temporary directory, listening on a free loopback port (and a
unix socket in that directory), run as an unprivileged user: the caller itself, or — when
that is root, which PostgreSQL refuses — the `postgres` (else `nobody`) account. Stopped
(`pg_ctl stop -m immediate`) and deleted on exit, also on errors and Ctrl-C.
The URL is exported as DESCENT_TEST_DATABASE_URL (`postgresql+psycopg://…`).
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deploy.replicas import free_port

ENV_VAR = "DESCENT_TEST_DATABASE_URL"
DB_USER = "descent"
DB_NAME = "descent"


def pg_bindir() -> Path | None:
    """The directory of initdb/pg_ctl (newest Debian version first), or None."""
    found = shutil.which("pg_ctl")
    if found and Path(found).resolve().with_name("initdb").exists():
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(dirs[-1]) if dirs else None


def _run_as() -> tuple[list[str], int | None, int | None]:
    """(command prefix, uid, gid) that runs a command as an unprivileged user."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        with suppress(KeyError):
            user = pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], user.pw_uid, user.pw_gid
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@contextmanager
def cluster() -> Iterator[str]:
    """Start a throwaway cluster; yield its SQLAlchemy URL; stop and delete it on exit."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl not found (apt-get install postgresql)")
    prefix, uid, gid = _run_as()
    top = Path(tempfile.mkdtemp(prefix="dl-pg-"))
    data, sock = top / "data", top / "sock"
    sock.mkdir()
    if uid is not None:
        for path in (top, sock):
            os.chown(path, uid, gid)
    top.chmod(0o700)
    port = free_port()
    log = top / "server.log"

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, cwd=top)

    started = False
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", DB_USER, "-A", "trust", "-E", "UTF8")
        options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=on"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        started = True
        run(str(bindir / "createdb"), "-h", str(sock), "-p", str(port), "-U", DB_USER, DB_NAME)
        yield f"postgresql+psycopg://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"
    finally:
        if started:
            with suppress(subprocess.CalledProcessError):
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(top, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    run = sub.add_parser("run", help="run a command with the cluster's URL in the environment")
    run.add_argument("command", nargs=argparse.REMAINDER)
    serve = sub.add_parser("serve", help="print the URL and keep the cluster up")
    serve.add_argument("--for", dest="seconds", type=float, default=600)
    args = ap.parse_args(argv)
    with cluster() as url:
        if args.what == "serve":
            print(url, flush=True)
            with suppress(KeyboardInterrupt):
                time.sleep(args.seconds)
            return 0
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        return subprocess.call(command, env={**os.environ, ENV_VAR: url})


if __name__ == "__main__":
    sys.exit(main())
