"""gunicorn servers started and stopped by the benchmark (only the processes it started)."""

import os
import signal
import socket
import subprocess
import time

from bench.complaints.client import Session


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, argv, *, env, cwd, port, log_path):
        self.name, self.argv, self.env, self.cwd, self.port = name, argv, env, cwd, port
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 (kept open for the process)
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                Session(self.port).get("/login/")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"{self.name} server did not answer in 90 s:\n{self.log_tail()}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its workers
                self.process.wait(5)

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
