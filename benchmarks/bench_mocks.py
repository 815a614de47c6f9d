"""Throughput and latency of the INSi mock against a bare-Flask floor, A/B/A/B in one run, on loopback.

Usage: python benchmarks/bench_mocks.py [--requests N] [--clients 50] [--workers 2] [--rounds 2]
                                        [--attack] [--slow N] [--kill] [--xsd/--no-xsd]
                                        [--worker-class CLASS] [--attack-cost N]

Both servers run under the mocks' own gunicorn command line
(mocks/framework/serving.py: same worker class, threads, limits); the floor
app reads the body and returns a fixed SOAP 1.2 answer. Clients are
keep-alive HTTP/1.1 connections in 2 processes; every request is a valid
INSi rechercherInsAvecTraitsIdentite with its own wsa:MessageID, and after
each mock round every answered MessageID is looked up in the store.
Options: --attack sends the attack shapes (20,000 undeclared attributes,
deep nesting, huge text) alongside, from 2 clients back to back (the
faster they are answered, the more they send) or --attack-rate R per second;
--slow N holds N connections that sent half a request; --kill SIGKILLs one mock worker mid-round; --attack-cost N
serves the mock alone and gives the server CPU of each attack shape (N of
each, one at a time on fresh connections, as the attackers send them) and
what the store kept of them. Traffic goes to
127.0.0.1 only, bounded in count and time (each round ≤ 60 s).
Prints a markdown table for BENCHMARKS.md, with the load average.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import multiprocessing
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from segur_harness.mocks.framework.serving import THREADS, WORKER_CLASS, gunicorn_command, mock_app_spec
from segur_harness.processes import ServiceProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "mocks"))
from insi_mock_support import CT, traits_request  # noqa: E402

HOST = "127.0.0.1"
ROUND_LIMIT = 60.0
FLOOR_ANSWER = (
    b'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">'
    b"<soap:Body><r:RESULTAT xmlns:r=\"http://www.cnamts.fr/INSiResultat\"><r:CR><r:CodeCR>01</r:CodeCR>"
    b"<r:LibelleCR>Aucun patient trouve</r:LibelleCR></r:CR></r:RESULTAT></soap:Body></soap:Envelope>"
)


def floor_app(environ, start_response):  # noqa: ANN001, ANN201 - a WSGI callable, as bare as it gets
    """The floor: read the body, answer a fixed SOAP answer (gunicorn: bench_mocks:floor_app)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", CT), ("Content-Length", str(len(FLOOR_ANSWER)))])
    return [FLOOR_ANSWER]


def _flask_floor():
    from flask import Flask, Response, request

    app = Flask("floor")

    @app.post("/lps")
    def lps() -> Response:
        request.get_data()
        return Response(FLOOR_ANSWER, content_type=CT)

    return app


flask_floor = _flask_floor()


# -- load ----------------------------------------------------------------------
def _client(port: int, count: int, out: list, deadline: float) -> None:
    bodies = [traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26") for _ in range(count)]
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for body in bodies:
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            conn.request("POST", "/lps", body=body, headers={"Content-Type": CT})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            status = 0
        message_id = body.split(b"<wsa:MessageID>", 1)[1].split(b"<", 1)[0].decode()
        out.append((time.perf_counter() - start, status, message_id))
    conn.close()


def _load_process(args: tuple[int, int, int, float, Callable[..., None]]) -> list:
    port, threads, per_thread, deadline, client = args
    results: list = []
    pool = [threading.Thread(target=client, args=(port, per_thread, results, deadline)) for _ in range(threads)]
    cpu = time.process_time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return [results, time.process_time() - cpu]


def load(port: int, requests: int, clients: int, procs: int = 2, client: Callable[..., None] | None = None
         ) -> tuple[float, list]:
    """(wall seconds, [(latency, status, message_id)]) for `requests` spread over `clients` connections.

    `client(port, count, out, deadline)` sends `count` requests on one keep-alive connection (default: INSi).
    """
    wall, results, _cpu = measured_load(port, requests, clients, procs, client)
    return wall, results


def measured_load(port: int, requests: int, clients: int, procs: int = 2, client: Callable[..., None] | None = None
                  ) -> tuple[float, list, float]:
    """load(), plus the CPU seconds the client processes spent (they share the cores with the server)."""
    per_proc = clients // procs
    per_thread = max(1, requests // clients)
    deadline = time.monotonic() + ROUND_LIMIT
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        start = time.perf_counter()
        parts = pool.map(_load_process, [(port, per_proc, per_thread, deadline, client or _client)] * procs)
        wall = time.perf_counter() - start
    return wall, [r for part, _ in parts for r in part], sum(cpu for _, cpu in parts)


# -- hostile side traffic -----------------------------------------------------------
def attack_bodies() -> dict[str, bytes]:
    valid = traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    attrs = " ".join(f'a{i}="x"' for i in range(20000)).encode()
    return {
        "20000-attributes": valid.replace(b"<ns:NomNaissance>", b"<ns:NomNaissance " + attrs + b">"),
        "deep-nesting": valid.replace(b"</ns:RECSANSVITALE>", b"<x>" * 250 + b"</x>" * 250 + b"</ns:RECSANSVITALE>"),
        "huge-text": valid.replace(b"ADRTROIS", b"A" * 2_000_000),
    }


def cost_bodies() -> dict[str, bytes]:
    """--attack-cost shapes: the attack's, one just under the INSi body bound, and the 2 MB text chunked."""
    valid = traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    attrs = " ".join(f'a{i}="x"' for i in range(12000)).encode()  # ~125 KB: under [mocks.insi] max_body_bytes
    return {"valid": valid, **attack_bodies(),
            "12000-attributes": valid.replace(b"<ns:NomNaissance>", b"<ns:NomNaissance " + attrs + b">")}


def _send(port: int, body: bytes, chunked: bool = False) -> str:
    """One request on its own connection, as the attackers send them; the status (or the error's name)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        if chunked:  # no Content-Length: 64 KB chunks
            conn.request("POST", "/lps", body=(body[i:i + 65536] for i in range(0, len(body), 65536)),
                         headers={"Content-Type": CT}, encode_chunked=True)
        else:
            conn.request("POST", "/lps", body=body, headers={"Content-Type": CT})
        response = conn.getresponse()
        response.read()
        return str(response.status)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    finally:
        conn.close()


def attack_cost(port: int, master: int, store: Path, count: int) -> None:
    """Server CPU per request of each shape, sent one at a time on fresh connections (no other load)."""
    print("| shape | bytes | statuses | server CPU ms/req | wall ms/req | recorded | largest recorded body |")
    print("|---|---|---|---|---|---|---|")
    shapes = [(name, body, False) for name, body in cost_bodies().items()]
    shapes.append(("huge-text chunked", attack_bodies()["huge-text"], True))
    for name, body, chunked in shapes:
        with sqlite3.connect(store, timeout=30) as conn:
            before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM exchanges").fetchone()[0]
        cpu, start = cpu_seconds(master), time.perf_counter()
        statuses = {_send(port, body, chunked) for _ in range(count)}
        wall, cpu = time.perf_counter() - start, cpu_seconds(master) - cpu
        with sqlite3.connect(store, timeout=30) as conn:
            rows, largest = conn.execute("SELECT COUNT(*), COALESCE(MAX(LENGTH(request_body)), 0) FROM exchanges"
                                         " WHERE id > ?", (before,)).fetchone()
        print(f"| {name} | {len(body)} | {', '.join(sorted(statuses))} | {1000 * cpu / count:.2f} | "
              f"{1000 * wall / count:.2f} | {rows} of {count} | {largest} |")
    print(f"\nload (1 min): {os.getloadavg()[0]:.2f}")


def _attacker(port: int, stop: threading.Event, stats: list, rate: float = 0.0) -> None:
    """Attack bodies in turn, each on its own connection: back to back, or `rate` per second (0: back to back)."""
    bodies = list(attack_bodies().values())
    i = 0
    start = time.monotonic()
    while not stop.is_set():
        if rate and stop.wait(max(0.0, start + i / rate - time.monotonic())):
            break
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            conn.request("POST", "/lps", body=bodies[i % len(bodies)], headers={"Content-Type": CT})
            stats.append(conn.getresponse().status)
        except (OSError, http.client.HTTPException):
            stats.append(0)
        finally:
            conn.close()
        i += 1


def _slow_clients(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(b"POST /lps HTTP/1.1\r\nHost: x\r\nContent-Type: " + CT.encode()
                  + b"\r\nContent-Length: 5000\r\n\r\n<a>")
        socks.append(s)
    return socks


# -- servers ---------------------------------------------------------------------
def scratch_dir(prefix: str, parent: Path | None = None) -> Path:
    """A temporary folder for one benchmark run (stores, logs: a DMP run writes ~1 GB), removed when the
    script exits; SEGUR_BENCH_KEEP=1 keeps it for a look afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if os.environ.get("SEGUR_BENCH_KEEP") != "1":
        atexit.register(shutil.rmtree, folder, True)
    return folder


def serve(app: str, port: int, workers: int, tmp: Path, worker_class: str, env: dict[str, str],
          threads: int = THREADS) -> ServiceProcess:
    command = gunicorn_command(app, HOST, port, workers, worker_class=worker_class, threads=threads)
    command[command.index(app):command.index(app)] = ["--chdir", str(ROOT / "benchmarks")]
    health = f"http://{HOST}:{port}/_admin/health" if "registry" in app else f"http://{HOST}:{port}/"
    proc = ServiceProcess(app, command, health, tmp / f"{port}.log", env)
    proc.start(timeout=60)
    return proc


def worker_pids(master: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split(") ", 1)[1].split()[1]) == master:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def cpu_seconds(master: int) -> float:
    """User + system CPU of a gunicorn master and its live workers (a figure the machine's load does not skew)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [master, *worker_pids(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def stored_ids(store: Path) -> set[str]:
    with sqlite3.connect(store, timeout=30) as conn:
        return {row[0] for row in conn.execute("SELECT message_id FROM exchanges WHERE message_id IS NOT NULL")}


def summary(label: str, wall: float, results: list) -> dict:
    ok = [r for r in results if r[1] == 200]
    lat = sorted(r[0] for r in results) or [0.0]
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    return {"label": label, "n": len(results), "ok": len(ok), "rps": len(results) / wall if wall else 0.0,
            "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": lat[-1] * 1000,
            "load": os.getloadavg()[0]}


def print_rounds(rows: list[dict], unit: str = "requests", ok: str = "200", rate: str = "req/s") -> None:
    """The markdown table of summary() rows with their server CPU (`cpu`, optional `cpu_split` text)."""
    print(f"| round | {unit} | {ok} | {rate} | p50 ms | p95 ms | p99 ms | max ms | server CPU ms/{unit.rstrip('s')} "
          "| load (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['n']} | {r['ok']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['max']:.0f} | {r['cpu']:.3f}{r.get('cpu_split', '')} | {r['load']:.2f} |")


def load_arguments(doc: str | None, requests: int) -> argparse.ArgumentParser:
    """The options every mock-vs-floor benchmark takes (requests a round, clients, workers, A/B rounds)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=requests, help="requests per round")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="A/B pairs")
    return parser


def main() -> int:
    parser = load_arguments(__doc__, requests=4000)
    parser.add_argument("--floor", default="bench_mocks:flask_floor",
                        help="floor app (bench_mocks:floor_app: bare WSGI)")
    parser.add_argument("--worker-class", default=WORKER_CLASS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--no-xsd", action="store_true", help="SEGUR__MOCKS__INSI__XSD_VALIDATION=false")
    parser.add_argument("--no-group-commit", action="store_true", help="SEGUR_STORE_GROUP_COMMIT=0 in the mock")
    parser.add_argument("--attack", action="store_true")
    parser.add_argument("--attack-rate", type=float, default=0.0, metavar="R",
                        help="with --attack: R attack requests per second in all (default: back to back)")
    parser.add_argument("--slow", type=int, default=0, help="connections holding half a request")
    parser.add_argument("--kill", action="store_true", help="SIGKILL one mock worker mid-round")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="where the mock's store goes (default: a temporary folder; /dev/shm: no disk I/O)")
    parser.add_argument("--attack-cost", type=int, default=0, metavar="N",
                        help="only: server CPU per request of each attack shape, N of each, mock alone")
    args = parser.parse_args()

    tmp = scratch_dir("bench-mocks-")
    store = scratch_dir("bench-store-", args.store_dir) / "exchanges.sqlite" if args.store_dir \
        else tmp / "exchanges.sqlite"
    env = {"SEGUR_STORE": str(store)}
    if args.no_group_commit:
        env["SEGUR_STORE_GROUP_COMMIT"] = "0"
    if args.no_xsd:
        env["SEGUR__MOCKS__INSI__XSD_VALIDATION"] = "false"
    mock_port, floor_port = free_port(), free_port()
    mock = serve(mock_app_spec("insi"), mock_port, args.workers, tmp, args.worker_class, env, args.threads)
    if args.attack_cost:
        try:
            _send(mock_port, attack_bodies()["deep-nesting"])  # warm-up
            attack_cost(mock_port, mock.process.pid, store, args.attack_cost)
        finally:
            mock.stop()
        return 0
    floor = serve(args.floor, floor_port, args.workers, tmp, args.worker_class, {}, args.threads)
    rows, answered, problems = [], set(), []
    try:
        load(mock_port, 400, args.clients)  # warm-up: schemas compiled, connections opened
        load(floor_port, 400, args.clients)
        answered |= stored_ids(store)
        for _ in range(args.rounds):
            for label, port in (("mock", mock_port), ("floor", floor_port)):
                stop = threading.Event()
                side: list = []
                extras = []
                if label == "mock" and args.attack:
                    extras = [threading.Thread(target=_attacker, args=(port, stop, side, args.attack_rate / 2))
                              for _ in range(2)]
                slow = _slow_clients(port, args.slow) if args.slow else []
                if label == "mock" and args.kill:
                    victim = worker_pids(mock.process.pid)[0]
                    extras.append(threading.Thread(target=lambda v=victim: (time.sleep(1.0),
                                                                            os.kill(v, signal.SIGKILL))))
                for t in extras:
                    t.start()
                server = mock if label == "mock" else floor
                cpu_before = cpu_seconds(server.process.pid)
                wall, results, client_cpu = measured_load(port, args.requests, args.clients)
                cpu = cpu_seconds(server.process.pid) - cpu_before
                stop.set()
                for t in extras:
                    t.join(timeout=60)
                for s in slow:
                    s.close()
                row = summary(label, wall, results)
                row["cpu"] = 1000 * cpu / max(1, len(results))
                row["client_cpu"] = 1000 * client_cpu / max(1, len(results))
                if side:
                    row["label"] += (f" (+{len(side)} attacks, {len(side) / wall:.0f}/s, "
                                     f"statuses {sorted(set(side))})")
                rows.append(row)
                if label == "mock":
                    answered |= {r[2] for r in results if r[1] == 200}
        missing = answered - stored_ids(store)
        if missing:
            problems.append(f"{len(missing)} answered exchanges missing from the store")
    finally:
        mock.stop()
        floor.stop()
    mock_rps = statistics.median(r["rps"] for r in rows if r["label"].startswith("mock"))
    floor_rps = statistics.median(r["rps"] for r in rows if r["label"] == "floor")
    print("| round | requests | 200 | req/s | p50 ms | p95 ms | p99 ms | max ms | server CPU ms/req "
          "| client CPU ms/req | load (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['n']} | {r['ok']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['max']:.0f} | {r['cpu']:.3f} | {r['client_cpu']:.3f} | {r['load']:.2f} |")
    print(f"\nmock/floor (medians): {mock_rps:.0f} / {floor_rps:.0f} req/s = {100 * mock_rps / floor_rps:.0f} %; "
          f"answered exchanges checked in the store: {len(answered)}, missing: {len(answered - stored_ids(store))}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
