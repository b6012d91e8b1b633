"""Start Descent Lab as N Streamlit replicas (+ nginx in front) on loopback.

Used by bench/load.py (`--replicas 2 --nginx`) and by hand:

    python deploy/replicas.py --replicas 2 --nginx --for 600

prints the URL to open and stops everything after `--for` seconds or on Ctrl-C.
Every process runs in its own process group and is killed on exit, also on errors.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
NGINX_CONF = REPO / "deploy" / "nginx.conf"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_get(
    base_url: str, path: str, cookies: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """GET base_url+path without any proxy; store Set-Cookie values into `cookies`."""
    parts = urlsplit(base_url)
    conn = HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        headers = {"Cookie": cookie_header(cookies)} if cookies else {}
        conn.request("GET", parts.path.rstrip("/") + path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if cookies is not None:
            for raw in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = raw.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, dict(resp.headers), body
    finally:
        conn.close()


def cookie_header(cookies: dict[str, str]) -> str:
    """The Cookie request header for a name -> value dict."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def is_healthy(base_url: str) -> bool:
    """True when Streamlit's /_stcore/health answers `ok`."""
    try:
        status, _, body = http_get(base_url, "/_stcore/health", timeout=3)
    except OSError:
        return False
    return status == 200 and body.strip() == b"ok"


def wait_healthy(base_url: str, procs: list[subprocess.Popen], timeout: float = 90) -> None:
    """Block until base_url is healthy; fail early if one of `procs` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_healthy(base_url):
            return
        dead = [p.args for p in procs if p.poll() is not None]
        if dead:
            raise RuntimeError(f"process exited before {base_url} was healthy: {dead}")
        time.sleep(0.25)
    raise TimeoutError(f"{base_url} not healthy after {timeout:.0f} s")


def start_process(
    cmd: list[str], log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start cmd in its own process group, output to log_path (`env` added to ours)."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process group, SIGKILL it if it does not go within `timeout`."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def streamlit_command(app: Path, port: int) -> list[str]:
    """`streamlit run` on loopback, as headless and quiet as a hosted server."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def render_nginx_conf(text: str, listen_port: int, replica_ports: list[int]) -> str:
    """deploy/nginx.conf with its loopback listen port and upstream servers replaced."""
    server_line = re.compile(rf"^([ \t]*)server {re.escape(HOST)}:\d+([^;\n]*);\n", re.M)
    first = server_line.search(text)
    if first is None or not replica_ports:
        raise ValueError("nginx.conf has no upstream `server 127.0.0.1:PORT` line")
    indent, options = first.group(1), first.group(2)
    servers = "".join(f"{indent}server {HOST}:{p}{options};\n" for p in replica_ports)
    text = server_line.sub("", text)
    text = text[: first.start()] + servers + text[first.start() :]
    text, n = re.subn(rf"listen {re.escape(HOST)}:\d+;", f"listen {HOST}:{listen_port};", text)
    if n != 1:
        raise ValueError("nginx.conf needs exactly one `listen 127.0.0.1:PORT;`")
    return text


def nginx_command(prefix: Path) -> list[str]:
    """nginx in the foreground with everything under `prefix`."""
    return [
        shutil.which("nginx") or "/usr/sbin/nginx",
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        str(prefix / "error.log"),
        "-g",
        "daemon off;",
    ]


def prepare_nginx_prefix(prefix: Path, conf_text: str) -> None:
    """Write the config and the temp dirs (writable by nginx's unprivileged workers)."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    tmp = prefix / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o777)
    (prefix / "nginx.conf").write_text(conf_text)


@dataclass
class Deployment:
    """A running set of servers: the URL to use and every process by name."""

    url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def replica_pids(self) -> dict[str, int]:
        """Process ids of the Streamlit replicas (not nginx), by name."""
        return {n: p.pid for n, p in self.processes.items() if n.startswith("replica")}


@contextmanager
def deployment(
    app: Path,
    replicas: int = 1,
    nginx: bool = False,
    workdir: Path | None = None,
    database_url: str | None = None,
) -> Iterator[Deployment]:
    """Start `replicas` Streamlit servers (+ nginx); stop them all on exit.

    `database_url` (DESCENT_DATABASE_URL) makes every replica keep its classes in that
    database (PostgreSQL: one class shared across replicas)."""
    if replicas > 1 and not nginx:
        raise ValueError("several replicas need nginx in front (--nginx)")
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dl-")))
        workdir.mkdir(parents=True, exist_ok=True)
        dep = Deployment(url="")
        ports = [free_port() for _ in range(replicas)]
        for i, port in enumerate(ports, 1):
            env = {"DESCENT_DATABASE_URL": database_url} if database_url else None
            proc = start_process(streamlit_command(app, port), workdir / f"replica-{i}.log", env)
            stack.callback(stop_process, proc)
            dep.processes[f"replica-{i}"] = proc
        procs = list(dep.processes.values())
        for port in ports:
            wait_healthy(f"http://{HOST}:{port}", procs)
        dep.url = f"http://{HOST}:{ports[0]}"
        if nginx:
            listen = free_port()
            prefix = workdir / "nginx"
            prepare_nginx_prefix(prefix, render_nginx_conf(NGINX_CONF.read_text(), listen, ports))
            proc = start_process(nginx_command(prefix), workdir / "nginx.log")
            stack.callback(stop_process, proc)
            dep.processes["nginx"] = proc
            dep.url = f"http://{HOST}:{listen}"
            wait_healthy(dep.url, [proc], timeout=20)
        yield dep


def main(argv: list[str] | None = None) -> int:
    """CLI: serve the app on loopback for a bounded time."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", type=Path, default=REPO / "streamlit_app.py")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--nginx", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--for", dest="seconds", type=float, default=600, help="stop after (s)")
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway PostgreSQL cluster (deploy/postgres.py) shared by the replicas",
    )
    args = ap.parse_args(argv)
    with ExitStack() as stack:
        url = None
        if args.postgres:
            sys.path.insert(0, str(REPO))  # run as a script: deploy/ is not yet a package root
            from deploy.postgres import cluster

            url = stack.enter_context(cluster())
        dep = stack.enter_context(
            deployment(args.app.resolve(), args.replicas, args.nginx, database_url=url)
        )
        print(f"Descent Lab on {dep.url}  ({args.replicas} replica(s)); Ctrl-C to stop", flush=True)
        if url:
            print(f"classes in {url}", flush=True)
        with suppress(KeyboardInterrupt):
            time.sleep(args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
