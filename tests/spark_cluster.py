"""A Spark standalone cluster on 127.0.0.1 for the tests: one master and two workers, started from the pyspark
installation itself (its ``bin/spark-class`` launcher, SPARK_HOME = pyspark's package folder; no download).

Each worker offers 1 core and :data:`WORKER_MEMORY` to executors; each daemon's own heap is
:data:`DAEMON_MEMORY`. Every port is chosen free at start. :meth:`SparkCluster.start` returns once both
workers are registered with the master (its JSON at ``http://127.0.0.1:<webui>/json``); :meth:`SparkCluster.stop`
ends every JVM it started by its PID (SIGTERM, then SIGKILL), also when a start failed half way.

``make cluster`` runs this module: it starts the cluster, prints ``SPARK_MASTER_URL`` and keeps it up until
Ctrl-C. The tests use the session fixture ``spark_cluster`` of ``tests/conftest.py``; without Java or pyspark they
skip (with ``CRMRESEARCH_REQUIRE_CLUSTER=1``, set by ``.ci/run``, they fail instead).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Memory each worker offers its executors (``--memory``), and the executors' heap the sessions ask for.
WORKER_MEMORY = "1g"
EXECUTOR_MEMORY = "512m"
#: Heap of the master and worker daemons themselves (SPARK_DAEMON_MEMORY; Spark's default is 1g).
DAEMON_MEMORY = "256m"
#: Heap of a driver (the test process's, a notebook kernel's).
DRIVER_MEMORY = "512m"
WORKERS = 2


def missing() -> str | None:
    """Why a cluster cannot start here (no pyspark, no java), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (the 'spark' extra)"
    if shutil.which("java") is None:
        return "Spark needs Java (java not on PATH)"
    return None


def skip_or_fail(reason: str, module_level: bool = False) -> None:
    """Skip a Spark test that cannot run here (a person running pytest by hand), or fail it under
    ``CRMRESEARCH_REQUIRE_CLUSTER=1`` (`make test-cluster` in CI: the Spark tests must not vanish)."""
    import pytest

    if os.environ.get("CRMRESEARCH_REQUIRE_CLUSTER") == "1":
        pytest.fail(f"{reason} (CRMRESEARCH_REQUIRE_CLUSTER=1: the Spark tests must run)", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def spark_home() -> str:
    """pyspark's package folder, which holds ``bin/spark-class`` and the jars."""
    import pyspark

    return os.path.dirname(pyspark.__file__)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (no stray JVM after a crash)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: stop() still ends it
        pass


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 30.0) -> Any:
    """The JSON document at ``url``."""
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode())


@dataclass
class SparkCluster:
    """A master and :data:`WORKERS` workers on 127.0.0.1, each worker with one core; ports chosen at start."""

    folder: Path
    master_port: int = 0
    webui_port: int = 0
    worker_webui_ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen] = field(default_factory=list)
    start_seconds: float = float("nan")

    @property
    def url(self) -> str:
        """The master's URL for ``SparkSession.builder.master`` and ``spark: {master: ...}``."""
        return f"spark://127.0.0.1:{self.master_port}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(SPARK_HOME=spark_home(), SPARK_LOCAL_IP="127.0.0.1", SPARK_DAEMON_MEMORY=DAEMON_MEMORY,
                   SPARK_LOG_DIR=str(self.folder / "logs"), SPARK_WORKER_DIR=str(self.folder / "work"),
                   SPARK_NO_DAEMONIZE="1",
                   # no REST submission server (its fixed port 6066 would clash between clusters on one machine)
                   SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false")
        env.pop("SPARK_MASTER_URL", None)
        return env

    def _launch(self, name: str, args: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "wb")
        try:
            proc = subprocess.Popen([os.path.join(spark_home(), "bin", "spark-class"), *args], env=self._env(),
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            log.close()
        self.procs.append(proc)

    def start(self, timeout: float = 90.0) -> SparkCluster:
        """Start the master, then the workers; return once both are ALIVE in the master's JSON."""
        t0 = time.perf_counter()
        (self.folder / "work").mkdir(parents=True, exist_ok=True)
        self.master_port, self.webui_port = free_port(), free_port()
        try:
            self._launch("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                    "--port", str(self.master_port), "--webui-port", str(self.webui_port)])
            self._listening(self.master_port, "the master", timeout, t0)  # workers register once it listens
            for i in range(WORKERS):
                port = free_port()
                self.worker_webui_ports.append(port)
                self._launch(f"worker-{i + 1}", ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                                 "--port", str(free_port()), "--webui-port", str(port),
                                                 "--cores", "1", "--memory", WORKER_MEMORY,
                                                 "--work-dir", str(self.folder / "work"), self.url])
            self._wait(lambda doc: sum(w.get("state") == "ALIVE" for w in doc.get("workers", [])) == WORKERS,
                       f"{WORKERS} workers", timeout, t0)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - t0
        return self

    def _listening(self, port: int, what: str, timeout: float, t0: float) -> None:
        def ready(_doc: Any) -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        self._wait(ready, what, timeout, t0, probe=False)

    def _wait(self, ready: Any, what: str, timeout: float, t0: float, probe: bool = True) -> None:
        while True:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a Spark daemon (pid {p.pid}) exited with {p.returncode} while waiting for "
                                       f"{what}; see the logs in {self.folder}:\n{self.logs()}")
            try:
                if ready(get_json(f"http://127.0.0.1:{self.webui_port}/json", 2.0) if probe else None):
                    return
            except OSError:
                pass  # the web UI is not up yet
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{what} not ready after {timeout:.0f} s; logs in {self.folder}:\n{self.logs()}")
            time.sleep(0.25)

    def state(self) -> dict[str, Any]:
        """The master's JSON: ``status``, ``workers`` (id, state, cores, coresused...), ``activeapps``..."""
        return get_json(f"http://127.0.0.1:{self.webui_port}/json")

    def worker_executors(self) -> dict[str, list[dict[str, Any]]]:
        """Per worker (its web UI port), the executors it runs (its JSON's ``executors``: id, appid...)."""
        return {str(port): get_json(f"http://127.0.0.1:{port}/json").get("executors", [])
                for port in self.worker_webui_ports}

    def logs(self, tail: int = 20) -> str:
        out = []
        for f in sorted(self.folder.glob("*.log")):
            lines = f.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"--- {f.name}\n" + "\n".join(lines))
        return "\n".join(out)

    def stop(self, timeout: float = 20.0) -> None:
        """End every daemon by its PID: SIGTERM, then SIGKILL after ``timeout`` seconds (workers first)."""
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.perf_counter() + timeout
        for p in reversed(self.procs):
            try:
                p.wait(max(0.1, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.procs.clear()


def session_config(cluster: SparkCluster) -> dict[str, str]:
    """Spark settings of a driver on ``cluster``: bounded memory, one core per executor, local addresses."""
    return {"spark.driver.memory": DRIVER_MEMORY, "spark.executor.memory": EXECUTOR_MEMORY,
            "spark.executor.cores": "1", "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
            "spark.sql.shuffle.partitions": "4", "spark.sql.session.timeZone": "UTC",
            "spark.ui.showConsoleProgress": "false",
            # the first job waits (up to 30 s) until both executors are registered, so work spreads over both
            "spark.scheduler.minRegisteredResourcesRatio": "1.0"}


def report(request: Any, line: str) -> None:
    """A line in pytest's terminal output (not captured): how long the cluster took to start, for the record."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"spark cluster: {line}")


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (not zombies)."""
    out = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            out.append(pid)
    return out


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """``make cluster``: start the cluster, print its master URL, keep it up until Ctrl-C (or SIGTERM)."""
    reason = missing()
    if reason:
        print(f"cluster: {reason}", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="crmresearch-spark-"))
    cluster = SparkCluster(folder)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster.start()
        print(f"Spark standalone cluster up in {cluster.start_seconds:.1f} s: master {cluster.url}, web UI "
              f"http://127.0.0.1:{cluster.webui_port}, {WORKERS} workers x 1 core x {WORKER_MEMORY}; logs in {folder}")
        print(f"export SPARK_MASTER_URL={cluster.url}   # or in a data source file: spark: {{master: "
              f"\"{cluster.url}\"}}")
        print("Ctrl-C stops it.", flush=True)
        while all(p.poll() is None for p in cluster.procs):
            time.sleep(1)
        print("cluster: a daemon exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        pids = cluster.pids
        cluster.stop()
        left = alive(pids)
        print(f"cluster stopped (pids {pids}{'; still running: ' + str(left) if left else ''})", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
