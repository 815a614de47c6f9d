"""MSSanté SMTP mock against a bare aiosmtpd floor: whole sessions as an LPS opens them, A/B/A/B, on loopback.

Usage: python benchmarks/bench_mss.py [--sessions N] [--clients 20] [--rounds 2]

Each session is what an LPS sends: EHLO, STARTTLS (TLS 1.2+, the test CA),
EHLO, AUTH XOAUTH2 with a Pro Santé Connect access token, MAIL, RCPT to a
patient mailbox, DATA of a small text message, QUIT. The mock is the MSS mock
process (`python -m segur_harness.mocks.mss`, the run's own) with its token
introspection pointed at the PSC mock under the mocks' gunicorn command line;
the floor is aiosmtpd with the same certificate, accepting any XOAUTH2 and any
message without a check or a record. Server CPU is the MSS process plus the
PSC server for the mock (introspection is part of every AUTH), the floor
process for the floor. After the mock rounds every accepted message must be
in the store. Traffic goes to 127.0.0.1 only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import base64
import os
import smtplib
import sqlite3
import ssl
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import bench_mocks
from bench_mocks import cpu_seconds, print_rounds, scratch_dir, serve, summary
from bench_psc import access_token

from segur_harness.mocks.framework.serving import THREADS, WORKER_CLASS, mock_app_spec
from segur_harness.pki import ensure_mss_pki, rsa_server_cert
from segur_harness.processes import ServiceProcess, die_with_parent, free_port, python_command

HOST = "127.0.0.1"
SENDER = "camille.testeur@test.mssante.fr"  # fixtures/mss: the mailbox of RPPS 10000000010
PATIENT = "297022A02077878@patient.mssante.fr"
T = 30
_setup: dict[str, object] = {}


def _message(index: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, PATIENT, "Banc de charge MSSanté"
    msg["Message-ID"] = f"<bench-{os.getpid()}-{index}-{time.monotonic_ns()}@sut.test>"
    msg.set_content("Bonjour, message de test du banc de charge.\n")
    return msg.as_bytes()


def _client(port: int, count: int, out: list, deadline: float) -> None:
    context = ssl.create_default_context(cafile=str(_setup["ca"]))
    auth = base64.b64encode(f"user={SENDER}\x01auth=Bearer {_setup['token']}\x01\x01".encode()).decode()
    for index in range(count):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        status = 0
        try:
            with smtplib.SMTP(HOST, port, local_hostname="sut.test", timeout=T) as client:
                client.ehlo()
                client.starttls(context=context)
                client.ehlo()
                code, _ = client.docmd("AUTH", "XOAUTH2 " + auth)
                if code == 235:
                    refused = client.sendmail(SENDER, [PATIENT], _message(index))
                    status = 200 if not refused else 299
                else:
                    status = code
        except (OSError, smtplib.SMTPException):
            status = 0
        out.append((time.perf_counter() - start, status, None))


def floor_main(port: int, cert: str, key: str) -> None:
    """The floor: aiosmtpd, STARTTLS with the mock's certificate, any XOAUTH2 and any message accepted."""
    import asyncio
    import collections

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult

    from segur_harness.mocks.mss.smtp import AUTH_LINE_LIMIT

    class LongAuthSmtp(SMTP):
        """A PSC JWT makes the AUTH line ~1.5 KB: the same line limits as the mock (RFC 4954 §4)."""

        line_length_limit = AUTH_LINE_LIMIT

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit,
                                                               {"AUTH": AUTH_LINE_LIMIT})

    class FloorController(Controller):
        def factory(self) -> SMTP:
            return LongAuthSmtp(self.handler, **self.SMTP_kwargs)

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
            return "250 2.0.0 Ok"

        async def auth_XOAUTH2(self, server, args) -> AuthResult:  # noqa: ANN001, N802 - aiosmtpd's naming
            return AuthResult(success=True, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = FloorController(Handler(), hostname=HOST, port=port, tls_context=context, require_starttls=True,
                            auth_require_tls=True, authenticator=lambda *a: AuthResult(success=True))
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.sleep(3600))
    finally:
        controller.stop()


def stored(store: Path) -> int:
    with sqlite3.connect(store, timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM exchanges WHERE service = 'mss-smtp' AND operation = "
                            "'SMTP-MESSAGE'").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1000, help="SMTP sessions per round")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="A/B pairs")
    parser.add_argument("--floor-serve", nargs=3, metavar=("PORT", "CERT", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_serve:
        floor_main(int(args.floor_serve[0]), args.floor_serve[1], args.floor_serve[2])
        return 0

    tmp = scratch_dir("bench-mss-")
    store = tmp / "exchanges.sqlite"
    pki = ensure_mss_pki(tmp / "pki")
    cert, key = rsa_server_cert(pki)
    psc_port, mss_port, admin_port, floor_port = free_port(), free_port(), free_port(), free_port()
    env = {"SEGUR_STORE": str(store), "SEGUR__MOCKS__PSC__PKI_DIR": str(pki.directory),
           "SEGUR__MOCKS__PSC__ISSUER": f"http://{HOST}:{psc_port}",
           "SEGUR__MOCKS__PSC__ACCESS_TOKEN_SECONDS": "3600", "SEGUR__MOCKS__MSS__PKI_DIR": str(pki.directory),
           "SEGUR__MOCKS__MSS__IDLE_TIMEOUT_SECONDS": "30"}
    psc = serve(mock_app_spec("psc"), psc_port, 2, tmp, WORKER_CLASS, env, THREADS)
    mss = ServiceProcess("mss", python_command("-m", "segur_harness.mocks.mss", "--port", str(mss_port),
                                               "--admin-port", str(admin_port), "--imap", "off",
                                               "--introspection-url", f"http://{HOST}:{psc_port}/introspect"),
                         f"http://{HOST}:{admin_port}/_admin/health", tmp / "mss.log", env)
    floor_log = open(tmp / "floor.log", "ab")  # noqa: SIM115 - the child's output, closed below
    floor = subprocess.Popen(python_command(str(Path(__file__).resolve()), "--floor-serve", str(floor_port),
                                            str(cert), str(key)), stdout=floor_log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    rows, accepted = [], 0
    try:
        mss.start(timeout=60)
        _wait_port(floor_port)
        _setup.update(ca=pki.ca_cert, token=access_token(psc_port))
        for port in (mss_port, floor_port):  # warm-up
            bench_mocks.load(port, 40, args.clients, client=_client)
        before = stored(store)
        for _ in range(args.rounds):
            for label, pids, port in (("mock", [mss.process.pid, psc.process.pid], mss_port),
                                      ("floor", [floor.pid], floor_port)):
                cpu_before = [cpu_seconds(pid) for pid in pids]
                wall, results = bench_mocks.load(port, args.sessions, args.clients, client=_client)
                row = summary(label, wall, results)
                spent = [1000 * (cpu_seconds(pid) - before) / max(1, len(results))
                         for pid, before in zip(pids, cpu_before, strict=True)]
                row["cpu"] = sum(spent)
                row["cpu_split"] = " (MSS {:.2f} + PSC {:.2f})".format(*spent) if len(spent) == 2 else ""
                rows.append(row)
                if label == "mock":
                    accepted += sum(1 for r in results if r[1] == 200)
        recorded = stored(store) - before
    finally:
        for server in (mss, psc):
            server.stop()
        floor.terminate()
        try:
            floor.wait(timeout=10)
        except subprocess.TimeoutExpired:
            floor.kill()
        floor_log.close()
    mock_rate = statistics.median(r["rps"] for r in rows if r["label"] == "mock")
    floor_rate = statistics.median(r["rps"] for r in rows if r["label"] == "floor")
    print(f"MSSanté SMTP sessions (STARTTLS, AUTH XOAUTH2, one message), {args.clients} clients")
    print_rounds(rows, unit="sessions", ok="accepted", rate="sessions/s")
    print(f"\nmock/floor (medians): {mock_rate:.0f} / {floor_rate:.0f} sessions/s = "
          f"{100 * mock_rate / floor_rate:.0f} %; accepted messages: {accepted}, in the store: {recorded}")
    if recorded < accepted:
        print(f"PROBLEM: {accepted - recorded} accepted messages missing from the store")
        return 1
    return 0


def _wait_port(port: int, seconds: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"floor did not listen on {port}")


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main())
