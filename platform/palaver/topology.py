"""The engines of a deployment past one box, started for real on one machine's loopback.

`make cluster` (bin/cluster.py) and the tests that need a standby, a pooler, a Redis Cluster
or a broker of their own start them from here: a PostgreSQL primary with a streaming hot
standby (pgserver's binaries, which requirements-dev.txt already brings), PgBouncer, a Redis
Cluster of masters, a RabbitMQ node and nginx with the shipped deploy/nginx.conf (Debian's
packages). Each one listens on 127.0.0.1 only, on ports picked free at start, keeps its files
under a temporary folder of its own, and is stopped by the process id it was started with.

As root, the servers that refuse root (PostgreSQL, PgBouncer, RabbitMQ) run as an
unprivileged user: pgserver's own, `postgres`/`nobody`, and `rabbitmq`.
"""

from __future__ import annotations

import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_NGINX = ROOT / "deploy" / "nginx.conf"
PGSERVER_USER = "pgserver"  # pgserver's user for running PostgreSQL under root


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port for a Redis Cluster node: at most 55535, with the node's cluster bus port
    (the port + 10,000, as Redis fixes it) free too."""
    for _ in range(200):
        port = random.randint(20000, 55535)  # noqa: S311 - a port, not a secret
        if _port_free(port) and _port_free(port + 10000):
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


def binary(name: str, *places: str) -> str | None:
    """The path of the executable `name` (on PATH or in one of `places`), or None."""
    found = shutil.which(name)
    if found:
        return found
    return next((place for place in places if Path(place).is_file()), None)


def wait_for_port(port: int, seconds: float, process: subprocess.Popen[Any] | None = None) -> None:
    """Wait until 127.0.0.1:`port` accepts a connection. Raises RuntimeError after `seconds`
    or when `process` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited ({process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {seconds:.0f} s")


def _private_folder(prefix: str, owner: str | None = None) -> Path:
    # Not under a private temp tree: a server running as another user must read it.
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    if owner is not None:
        shutil.chown(folder, owner)
    return folder


def _stop(process: subprocess.Popen[Any] | None, seconds: float = 15) -> None:
    """SIGTERM the process group `process` leads, then SIGKILL it after `seconds`."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


class Engine:
    """A server (or a few) that `start` starts; a start that fails stops whatever it had
    already started before raising, so no process is left behind."""

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class ReplicatedPostgres(Engine):
    """A PostgreSQL primary and a streaming hot standby on spare loopback ports.

    Built with the PostgreSQL binaries pgserver ships: `initdb` a primary with
    `wal_level = replica`, `pg_basebackup -R` it into a standby, start both (trust auth).
    `primary_url` and `standby_url` name the database `name` on each. The standby can apply
    WAL late (`apply_delay_ms`, PostgreSQL's `recovery_min_apply_delay`), which makes
    replication lag a fact a test can rely on; it logs every statement it runs.
    """

    def __init__(self, name: str = "palaver", apply_delay_ms: int = 0) -> None:
        from pgserver.utils import ensure_user_exists

        self.name = name
        self.apply_delay_ms = apply_delay_ms
        self.user: str | None = None
        if os.geteuid() == 0:
            ensure_user_exists(PGSERVER_USER)
            self.user = PGSERVER_USER
        self.folder = _private_folder("palaver-standby-", self.user)
        self.primary_port, self.standby_port = free_port(), free_port()
        self.primary, self.standby = self.folder / "primary", self.folder / "standby"

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{self.name}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def run(self, program: str, *args: str, **kwargs: Any) -> str:
        """Run one of pgserver's PostgreSQL programs; its output. RuntimeError if it fails."""
        from pgserver._commands import POSTGRES_BIN_PATH

        done = subprocess.run(  # noqa: S603 - pgserver's own binaries
            [str(POSTGRES_BIN_PATH / program), *args],
            user=self.user,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _start(self) -> None:
        self.run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust")
        self._configure(self.primary, self.primary_port, "wal_level = replica\nmax_wal_senders = 5")
        self.pg_ctl(self.primary, "start")
        self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-d", "postgres", "-c", f'CREATE DATABASE "{self.name}"',
        )  # fmt: skip
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.standby), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self._configure(
            self.standby,
            self.standby_port,
            "hot_standby = on\nlog_statement = 'all'\n"
            f"recovery_min_apply_delay = '{self.apply_delay_ms}ms'",
        )
        self.pg_ctl(self.standby, "start")

    def _configure(self, data: Path, port: int, extra: str) -> None:
        settings = (
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nfsync = off\n"
            f"max_connections = 200\n{extra}\n"
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    def pg_ctl(self, data: Path, action: str) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", action)

    def standby_log(self) -> str:
        return (self.standby / "server.log").read_text(errors="replace")

    def stop_standby(self) -> None:
        self.pg_ctl(self.standby, "stop")

    def stop(self) -> None:
        for data in (self.standby, self.primary):
            if (data / "postmaster.pid").exists():
                try:
                    self.pg_ctl(data, "stop")
                except RuntimeError:
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait_replayed(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        while time.monotonic() < deadline:
            if self.sql(self.standby_port, query) == "t":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not catch up")

    def sql(self, port: int, query: str) -> str:
        """Run `query` with psql on the server at `port`; its unaligned output."""
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", self.name,
            "-At", "-c", query,
        ).strip()  # fmt: skip


def unprivileged_user() -> str | None:
    """The user a server that refuses root runs as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no unprivileged user to run the server as")


class PgBouncer(Engine):
    """PgBouncer (Debian's package) on a spare port in front of one PostgreSQL server.

    Every database name is passed through to `upstream` (host, port), with trust auth for
    `user`. `mode` is PgBouncer's pool_mode (transaction or session)."""

    def __init__(
        self, upstream: tuple[str, int], *, user: str = "postgres", pool_size: int = 10,
        mode: str = "transaction",
    ) -> None:  # fmt: skip
        self.upstream, self.user, self.pool_size, self.mode = upstream, user, pool_size, mode
        self.folder = _private_folder("palaver-pgbouncer-")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def _start(self) -> None:
        program = binary("pgbouncer", "/usr/sbin/pgbouncer")
        if program is None:
            raise RuntimeError("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
        host, port = self.upstream
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = {self.mode}\ndefault_pool_size = {self.pool_size}\n"
            "min_pool_size = 0\nreserve_pool_size = 0\nmax_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        command = [program, str(self.folder / "pgbouncer.ini")]
        runner = unprivileged_user()
        if runner:
            command[1:1] = ["-u", runner]
        with (self.folder / "pgbouncer.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - Debian's pgbouncer
                command, stdout=log, stderr=log, start_new_session=True
            )
        try:
            wait_for_port(self.port, 10, self.process)
        except RuntimeError as exc:
            raise RuntimeError(f"PgBouncer did not start: {exc}\n{self.log()}") from None

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisCluster(Engine):
    """A Redis Cluster of `masters` masters (no replicas) from Debian's redis-server, formed
    with `redis-cli --cluster create`; `startup_nodes` are (host, port) pairs."""

    def __init__(self, masters: int = 3) -> None:
        self.folder = _private_folder("palaver-redis-cluster-")
        self.ports: list[int] = []
        while len(self.ports) < masters:
            port = cluster_port()
            if port not in self.ports and port + 10000 not in self.ports:
                self.ports.append(port)
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def startup_nodes(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", port) for port in self.ports]

    @property
    def url(self) -> str:
        """A URL that names one node; a cluster client discovers the others from it."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def _start(self) -> None:
        server = binary("redis-server", "/usr/bin/redis-server")
        cli = binary("redis-cli", "/usr/bin/redis-cli")
        if server is None or cli is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis)")
        for port in self.ports:
            node = self.folder / str(port)
            node.mkdir()
            with (node / "redis.log").open("wb") as log:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 - Debian's redis-server
                        [
                            server,
                            "--port",
                            str(port),
                            "--bind",
                            "127.0.0.1",
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--cluster-node-timeout",
                            "2000",
                            "--dir",
                            str(node),
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--protected-mode",
                            "no",
                        ],
                        stdout=log,
                        stderr=log,
                        start_new_session=True,
                    )  # fmt: skip
                )
        for port, process in zip(self.ports, self.processes, strict=True):
            wait_for_port(port, 10, process)
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(  # noqa: S603 - Debian's redis-cli
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            states = [
                subprocess.run(  # noqa: S603
                    [cli, "-p", str(port), "cluster", "info"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                    check=False,
                ).stdout  # fmt: skip
                for port in self.ports
            ]
            if all("cluster_state:ok" in state for state in states):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for process in self.processes:
            _stop(process)
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer(Engine):
    """A plain Redis (Debian's redis-server) on a spare port, nothing saved to disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = _private_folder("palaver-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _start(self) -> None:
        server = binary("redis-server", "/usr/bin/redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis)")
        with (self.folder / "redis.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server
                [
                    server, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
                    str(self.folder), "--save", "", "--appendonly", "no",
                ],
                stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


class RabbitMQ(Engine):
    """A RabbitMQ node of its own (Debian's rabbitmq-server) on spare ports, beside any
    broker the machine already runs: its own node name, data, logs and Erlang cookie."""

    USER = "rabbitmq"

    def __init__(self) -> None:
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"palaver{self.port}@localhost"
        owner = self.USER if os.geteuid() == 0 else None
        self.folder = _private_folder("palaver-rabbitmq-", owner)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _start(self, seconds: float = 90) -> None:
        program = binary("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
        if program is None:
            raise RuntimeError("RabbitMQ is not installed (apt-get install rabbitmq-server)")
        # Debian's /usr/sbin wrapper always uses the system node's folders; the real script
        # takes its folders from the environment.
        real = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
        plugins = self.folder / "enabled_plugins"
        plugins.write_text("[].\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
        }
        user = self.USER if os.geteuid() == 0 else None
        if user is not None:
            shutil.chown(plugins, user)
        with (self.folder / "server.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - Debian's rabbitmq-server
                [str(real) if real.exists() else program],
                env=env, user=user, cwd=self.folder, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        try:
            wait_for_port(self.port, seconds, self.process)
        except RuntimeError as exc:
            log_text = (self.folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"RabbitMQ did not start: {exc}\n{log_text}") from None

    def stop(self) -> None:
        _stop(self.process, seconds=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def nginx_config(
    *, workdir: Path, app_ports: list[int], events_port: int, edge_port: int,
    extra_servers: str = "",
) -> str:  # fmt: skip
    """The shipped deploy/nginx.conf, pointed at the given app servers (one upstream with
    them all), events process and edge port and at `workdir` for its cache and temporary
    files, inside a minimal main config; `extra_servers` is added inside `http { }`.
    Raises RuntimeError when the shipped file no longer has what is replaced."""
    shipped = SHIPPED_NGINX.read_text()
    app_servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in app_ports)
    replacements = [
        (r"server 127\.0\.0\.1:8000;", app_servers),
        (r"server 127\.0\.0\.1:8001;", f"server 127.0.0.1:{events_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{edge_port};"),
        (r"/var/cache/nginx/palaver", str(workdir / "cache")),
    ]
    for pattern, value in replacements:
        shipped, count = re.subn(pattern, value, shipped)
        if not count:
            raise RuntimeError(f"deploy/nginx.conf no longer contains {pattern!r}")
    temp = workdir / "temp"
    return f"""
daemon off;
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

{shipped}
{extra_servers}
}}
"""


class Nginx(Engine):
    """nginx (Debian's package) with the shipped config in front of the given app servers
    and events process, on a spare port."""

    def __init__(self, app_ports: list[int], events_port: int, extra_servers: str = "") -> None:
        self.app_ports, self.events_port, self.extra_servers = app_ports, events_port, extra_servers
        self.port = free_port()
        self.folder = _private_folder("palaver-nginx-")
        self.process: subprocess.Popen[bytes] | None = None

    def _start(self) -> None:
        program = binary("nginx", "/usr/sbin/nginx")
        if program is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        for sub in ("cache", "temp"):
            (self.folder / sub).mkdir()
            (self.folder / sub).chmod(0o777)  # its workers run unprivileged under root
        conf = self.folder / "nginx.conf"
        conf.write_text(
            nginx_config(
                workdir=self.folder,
                app_ports=self.app_ports,
                events_port=self.events_port,
                edge_port=self.port,
                extra_servers=self.extra_servers,
            )  # fmt: skip
        )
        check = subprocess.run(  # noqa: S603 - Debian's nginx
            [program, "-t", "-q", "-c", str(conf), "-p", str(self.folder)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the generated config:\n{check.stderr}")
        with (self.folder / "nginx.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [program, "-c", str(conf), "-p", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m palaver.topology pgbouncer HOST:PORT`: run PgBouncer in transaction mode in
    front of that PostgreSQL, print its port on the first line, and stop it on SIGTERM or
    Ctrl-C (CI's topology leg runs the suite through it)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("engine", choices=["pgbouncer"])
    parser.add_argument("upstream", help="HOST:PORT of the PostgreSQL server")
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args(argv)
    host, _, port = args.upstream.rpartition(":")
    bouncer = PgBouncer((host, int(port)), pool_size=args.pool_size, mode="transaction")
    bouncer.start()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(bouncer.port, flush=True)
    try:
        while bouncer.process is not None and bouncer.process.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        bouncer.stop()


if __name__ == "__main__":
    raise SystemExit(main())
