"""dovecot as a child of the MSS mock process: config check, bounded start, stop, no orphan.

`dovecot -F` (foreground master) in its own process group, with
PR_SET_PDEATHSIG = SIGTERM: if the mock process dies, even by SIGKILL, the
kernel sends the master SIGTERM and it stops its children. (The signal follows
the thread that started it: MssImap.start() runs on the process's main thread.)
Stop: SIGTERM to the group, then SIGKILL after STOP_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from segur_harness.processes import die_with_parent

CHECK_TIMEOUT = 10.0
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
class DovecotError(RuntimeError):
    """dovecot refused its configuration or did not come up (one line, naming the log)."""


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "Fatal" in line or "Error" in line:
            return line[:400]
    return (lines[-1] if lines else "aucun message")[:400]


def check_config(binary: str, config: Path) -> None:
    """`dovecot -n`: the configuration as dovecot reads it; DovecotError with dovecot's reason if refused."""
    try:
        done = subprocess.run([binary, "-n", "-c", str(config)], capture_output=True, text=True,
                              timeout=CHECK_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise DovecotError(f"dovecot -n -c {config} sans réponse en {CHECK_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        raise DovecotError(f"dovecot refuse la configuration {config} : {_first_error(done.stderr + done.stdout)}")


def _listening(host: str, port: int) -> bool:
    """True once something listens on host:port, seen in /proc/net/tcp (no probe connection: it would be
    recorded as a session), else by connecting where there is no /proc."""
    try:
        table = Path("/proc/net/tcp").read_text(encoding="ascii")
    except OSError:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    wanted = f"{socket.htonl(int.from_bytes(socket.inet_aton(host), 'big')):08X}:{port:04X}"
    return any(f" {wanted} " in line and line.split()[3] == "0A" for line in table.splitlines()[1:])


def _log_reason(log: Path) -> str:
    try:
        return _first_error(log.read_text(encoding="utf-8", errors="replace")[-20000:])
    except OSError:
        return "journal absent"


class DovecotProcess:
    """One `dovecot -F -c <config>` master."""

    def __init__(self, binary: str, config: Path, log: Path, host: str, port: int) -> None:
        self.binary, self.config, self.log, self.host, self.port = binary, config, log, host, port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Check the configuration, start the master, wait until the IMAP port answers (else DovecotError)."""
        check_config(self.binary, self.config)
        if _listening(self.host, self.port):  # else the wait below would take another server for dovecot
            raise DovecotError(f"port IMAP {self.host}:{self.port} déjà pris (réglez [mocks.mss] imap_port)")
        with open(self.log, "ab") as out:  # early errors, before dovecot's log process runs
            self.process = subprocess.Popen([self.binary, "-F", "-c", str(self.config)], stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=out, start_new_session=True,
                                            preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DovecotError(f"dovecot s'est arrêté (code {self.process.returncode}) : "
                                   f"{_log_reason(self.log)} (journal : {self.log})")
            if _listening(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise DovecotError(f"dovecot n'écoute pas sur {self.host}:{self.port} après {timeout:.0f} s : "
                           f"{_log_reason(self.log)} (journal : {self.log})")

    def stop(self) -> None:
        """SIGTERM to dovecot's process group, SIGKILL after STOP_TIMEOUT; idempotent."""
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):  # children the master left behind, or the master itself
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
