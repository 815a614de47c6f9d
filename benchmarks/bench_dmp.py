"""ITI-41 throughput and latency of the DMP mock against a bare-Flask floor, A/B/A/B in one run, on loopback.

Usage: python benchmarks/bench_dmp.py [--requests N] [--clients 50] [--workers 2] [--rounds 2]
                                      [--cda-kb 100] [--cda-validation] [--recording-floor]

Both servers run under the mocks' own gunicorn command line (the same worker
class, threads and limits as `segur-harness mocks serve`); the floor reads the
body and answers a fixed RegistryResponse Success. Every request is a valid
ITI-41 in MTOM (a signed VIHF, a DocumentEntry + SubmissionSet + HasMember
consistent with its own CDA of `--cda-kb` KB, a new uniqueId each time) for
one patient, so the mock's registry serialises the feeds as the DMP must.
After each mock round, every answered request is looked up in the store and
in the registry. `--cda-validation` also starts the CDA validation service
and lets the mock validate every document through it (the run's set-up; by
default off, to measure the mock itself). Traffic goes to 127.0.0.1 only,
bounded in count and time (each round <= 60 s). Prints a markdown table.
`--recording-floor` adds a third server: the floor that also records each
exchange through the store's own record() before answering, the part of the
mock's cost that the framework's durable record alone accounts for.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import bench_mocks
from bench_mocks import cpu_seconds, load_arguments, print_rounds, scratch_dir, serve, summary

from segur_harness.mocks.framework.serving import THREADS, WORKER_CLASS, mock_app_spec
from segur_harness.pki import generate_pki
from segur_harness.processes import ServiceProcess, free_port, python_command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "mocks"))
from dmp_support import DOMINIQUE, mtom, signed_vihf, soap  # noqa: E402
from dmp_xds_support import ITI41_ACTION, Entry, iti41, make_cda, submission_set  # noqa: E402

HOST = "127.0.0.1"
PLACEHOLDER = "1.2.250.1.999.77.0"
CID = "cda-1@bench.example.org"
FLOOR_ANSWER = (b'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/'
                b'soap-envelope"><soap:Body><rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"'
                b' status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/></soap:Body></soap:Envelope>')


def _flask_floor():
    from flask import Flask, Response, request

    app = Flask("floor")

    @app.post("/repository")
    def repository() -> Response:
        request.get_data()
        return Response(FLOOR_ANSWER, content_type="application/soap+xml; charset=utf-8")

    return app


flask_floor = _flask_floor()


def _recording_floor():
    """The floor plus the one thing every mock of the framework must do: record the exchange durably
    (the store's own record(), held for the loop turn's commit as the mock's are) before answering.
    What is left between this and the mock is the DMP's own work."""
    import time as clock

    from flask import Flask, Response, request

    from segur_harness.mocks.framework.service import MockResult
    from segur_harness.store import Exchange, Store

    app = Flask("recording-floor")
    store = Store(Path(os.environ["SEGUR_STORE"]))

    @app.post("/repository")
    def repository() -> Response:
        started = clock.time()
        body = request.get_data()
        store.record(Exchange(service="floor", operation="ITI-41", scenario_id=None, peer=request.remote_addr,
                              started_at=started, ended_at=clock.time(), method="POST", path="/repository",
                              request_headers=dict(request.headers), request_body=body, status=200,
                              response_headers={"Content-Type": "application/soap+xml; charset=utf-8"},
                              response_body=FLOOR_ANSWER, findings=[], message_id=None))
        return Response(FLOOR_ANSWER, content_type="application/soap+xml; charset=utf-8")

    # What the mocks' worker asks of a mock pipeline (worker.py): its store, so that records are held for
    # the loop turn's commit as the mock's are, and a refusal to send when the store refuses that commit.
    app.extensions["segur_mock_pipeline"] = SimpleNamespace(
        store=store, max_body_bytes=None, may_block=lambda _path: False,
        refusal=lambda *_args, **_kw: MockResult(500, b"", "text/plain", "ITI-41"))
    return app


def recording_floor():  # noqa: ANN201 - gunicorn's app factory ("bench_dmp:recording_floor()")
    return _recording_floor()


def padded_cda(kb: int) -> bytes:
    """The fixture N1 CDA with placeholder id, its base64 PDF grown (trailing PDF comment) to about `kb` KB."""
    cda = make_cda(PLACEHOLDER)
    start = cda.index(b'representation="B64">') + len(b'representation="B64">')
    end = cda.index(b"</text>", start)
    missing = max(0, kb * 1024 - len(cda))
    padding = (b"\n" + b"JSBwYWRkaW5n" * (missing // 12 + 1))[:missing]  # base64 of "% padding", repeated
    return cda[:end] + padding + cda[end:]


class Template:
    """One ITI-41 written once; each request swaps in a new uniqueId (and so a new hash) with bytes.replace."""

    def __init__(self, pki_dir: Path, kb: int) -> None:
        self.cda = padded_cda(kb)
        entry = Entry(cda=self.cda, unique_id=PLACEHOLDER, hash="HASHPLACEHOLDER", size="SIZEPLACEHOLDER")
        body = iti41([entry], set_xml=submission_set(unique_id="1.2.250.1.999.78.0")).replace(
            "</xdsb:ProvideAndRegisterDocumentSetRequest>",
            f'<xdsb:Document id="{entry.doc_id}"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" '
            f'href="cid:{CID}"/></xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>')
        self.envelope = soap(body, ITI41_ACTION, signed_vihf(pki_dir, patient=DOMINIQUE), message_id="MSGPLACEHOLDER")

    def request(self) -> tuple[str, bytes, str]:
        """(Content-Type, body, MessageID) of a new, consistent feed."""
        number = uuid.uuid4().int
        unique = f"2.25.{number}"
        cda = self.cda.replace(PLACEHOLDER.encode(), unique.encode())
        envelope = (self.envelope.replace(PLACEHOLDER.encode(), unique.encode())
                    .replace(b"HASHPLACEHOLDER", hashlib.sha1(cda).hexdigest().encode())
                    .replace(b"SIZEPLACEHOLDER", str(len(cda)).encode())
                    .replace(b"1.2.250.1.999.78.0", f"2.25.{number + 1}".encode())
                    .replace(b"MSGPLACEHOLDER", f"urn:uuid:{uuid.uuid4()}".encode()))
        content_type, body = mtom(envelope, [(CID, "text/xml", cda)])
        return content_type, body, envelope.split(b"<wsa:MessageID>", 1)[1].split(b"<", 1)[0].decode()


_template: Template | None = None


def _client(port: int, count: int, out: list, deadline: float) -> None:
    assert _template is not None
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        content_type, body, message_id = _template.request()
        start = time.perf_counter()
        try:
            conn.request("POST", "/repository", body=body, headers={"Content-Type": content_type})
            response = conn.getresponse()
            answer = response.read()
            ok = response.status == 200 and b"ResponseStatusType:Success" in answer
            status = 200 if ok else (response.status if response.status != 200 else 299)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            status = 0
        out.append((time.perf_counter() - start, status, message_id))
    conn.close()


def load(port: int, requests: int, clients: int) -> tuple[float, list]:
    return bench_mocks.load(port, requests, clients, client=_client)


def recorded(store: Path) -> tuple[set[str], int]:
    """(MessageIDs of recorded ITI-41 exchanges, DocumentEntries in the registry)."""
    with sqlite3.connect(store, timeout=30) as conn:
        ids = {r[0] for r in conn.execute("SELECT message_id FROM exchanges WHERE operation = 'ITI-41'")}
        entries = conn.execute("SELECT COUNT(*) FROM dmp_documents").fetchone()[0]
    return ids, entries


def main() -> int:
    global _template
    parser = load_arguments(__doc__, requests=2000)
    parser.add_argument("--cda-kb", type=int, default=100)
    parser.add_argument("--cda-validation", action="store_true", help="validate every CDA (validation service)")
    parser.add_argument("--recording-floor", action="store_true",
                        help="a third round: the floor that also records each exchange in the store")
    args = parser.parse_args()

    tmp = scratch_dir("bench-dmp-")
    store = tmp / "exchanges.sqlite"
    pki = generate_pki(tmp / "pki")
    _template = Template(pki.directory, args.cda_kb)
    env = {"SEGUR_STORE": str(store), "SEGUR__MOCKS__DMP__PKI_DIR": str(pki.directory),
           "SEGUR__MOCKS__DMP__CDA_VALIDATION": "service" if args.cda_validation else "off"}
    validator: ServiceProcess | None = None
    if args.cda_validation:
        vport = free_port()
        validator = ServiceProcess("validator", python_command("-m", "segur_harness.validation.service", "--host",
                                                               HOST, "--port", str(vport)),
                                   f"http://{HOST}:{vport}/health", tmp / "validator.log")
        validator.start(timeout=60)
        env["SEGUR_VALIDATOR_URL"] = f"http://{HOST}:{vport}"
    mock_port, floor_port = free_port(), free_port()
    mock = serve(mock_app_spec("dmp"), mock_port, args.workers, tmp, WORKER_CLASS, env, THREADS)
    floor = serve("bench_dmp:flask_floor", floor_port, args.workers, tmp, WORKER_CLASS, {}, THREADS)
    servers = [("mock", mock, mock_port), ("floor", floor, floor_port)]
    if args.recording_floor:
        rec_port = free_port()
        rec = serve("bench_dmp:recording_floor()", rec_port, args.workers, tmp, WORKER_CLASS,
                    {"SEGUR_STORE": str(tmp / "floor-store.sqlite")}, THREADS)
        servers.append(("floor+record", rec, rec_port))
    rows, answered = [], set()
    try:
        for _label, _server, port in servers:  # warm-up: value sets loaded, connections opened
            load(port, 200, args.clients)
        for _ in range(args.rounds):
            for label, server, port in servers:
                cpu_before = cpu_seconds(server.process.pid)
                wall, results = load(port, args.requests, args.clients)
                row = summary(label, wall, results)
                row["cpu"] = 1000 * (cpu_seconds(server.process.pid) - cpu_before) / max(1, len(results))
                rows.append(row)
                if label == "mock":
                    answered |= {r[2] for r in results if r[1] == 200}
    finally:
        for _label, server, _port in servers:
            server.stop()
        if validator:
            validator.stop()
    ids, entries = recorded(store)
    mock_rps = statistics.median(r["rps"] for r in rows if r["label"] == "mock")
    floor_rps = statistics.median(r["rps"] for r in rows if r["label"] == "floor")
    recording_rps = [r["rps"] for r in rows if r["label"] == "floor+record"]
    print(f"ITI-41, CDA {len(_template.cda) // 1024} KB in MTOM, {args.clients} clients, {args.workers} workers, "
          f"CDA validation {'on' if args.cda_validation else 'off'}")
    print_rounds(rows, ok="Success")
    missing = answered - ids
    print(f"\nmock/floor (medians): {mock_rps:.0f} / {floor_rps:.0f} req/s = {100 * mock_rps / floor_rps:.0f} %; "
          f"answered feeds: {len(answered)}, missing from the store: {len(missing)}, registry entries: {entries} "
          f"(4 seeded)")
    if recording_rps:
        print(f"floor+record/floor (medians): {statistics.median(recording_rps):.0f} / {floor_rps:.0f} req/s = "
              f"{100 * statistics.median(recording_rps) / floor_rps:.0f} %")
    problems = []
    if missing:
        problems.append(f"{len(missing)} answered feeds missing from the store")
    if entries < len(answered):
        problems.append(f"registry holds {entries} entries for {len(answered)} accepted feeds")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    os.chdir(ROOT / "benchmarks")
    sys.exit(main())
