"""The hostile-input campaign for the MSSanté mock's parsers (issue 11 item 5): MIME + XDM content, SMTP sessions.

Short version here (SEGUR_HOSTILE_COUNT, default 200 per parser); the full
campaign is `SEGUR_HOSTILE_COUNT=10000 .venv/bin/pytest tests/mocks/test_hostile_mss.py`.
The content checks never raise and stay bounded in time whatever the message
(mutated MIME, mutated or malicious IHE_XDM.ZIP); the SMTP server answers every
mutated session without a stack trace, records each connection once and still
serves a normal client afterwards.
"""

from __future__ import annotations

import io
import os
import random
import socket
import time
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from hostile_campaign import LEAKS, campaign
from mss_support import Mss, T, connect, running

from segur_harness.mocks.mss.content import check_message
from segur_harness.store import Finding
from segur_harness.validation import Engine
from tests.mocks.test_mss_content import ARCHIVE_PATIENT, _structured

COUNT = int(os.environ.get("SEGUR_HOSTILE_COUNT", "200"))
SEED = int(os.environ.get("SEGUR_HOSTILE_SEED", "20261201"))
MAX_MESSAGE = 1024 * 1024


def _with_archive(msg: EmailMessage, archive: bytes) -> bytes:
    for part in msg.walk():
        if part.get_filename() == "IHE_XDM.ZIP":
            part.set_content(archive, maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    return msg.as_bytes()


def _hostile_archives(rng: random.Random, valid: bytes) -> Iterator[tuple[str, bytes]]:
    """Archives a malicious or broken LPS sends: flipped, truncated, traversal, bomb, many members, not a zip."""
    while True:
        flipped = bytearray(valid)
        for _ in range(rng.randrange(1, 16)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        yield "zip-flip", bytes(flipped)
        yield "zip-truncated", valid[: rng.randrange(len(valid))]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("../../etc/passwd", "x")
            archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", b"<x>" * 2000 + b"</x>" * 2000)
            archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", b"\0" * rng.choice([10, 50_000_000]))
        yield "zip-malicious", buffer.getvalue()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for number in range(rng.choice([600, 5000])):
                archive.writestr(f"IHE_XDM/SUBSET01/DOC{number:04d}.XML", b"<a/>")
        yield "zip-many-members", buffer.getvalue()
        yield "zip-not-a-zip", os.urandom(rng.randrange(1, 4096))


def test_hostile_messages_never_break_the_content_checks(tmp_path: Path) -> None:
    valid_msg = _structured(tmp_path)
    valid = valid_msg.as_bytes()
    valid_archive = next(p for p in valid_msg.walk() if p.get_filename() == "IHE_XDM.ZIP").get_payload(decode=True)
    engine = Engine(None)
    rng = random.Random(SEED)
    archives = _hostile_archives(rng, valid_archive)
    problems: dict[str, list[str]] = {}
    started = time.monotonic()
    worst = 0.0
    for number, hostile in enumerate(campaign(valid, "message/rfc822", COUNT, SEED, MAX_MESSAGE)):
        shape, body = hostile.shape, hostile.body
        if number % 3 == 0:  # a third of the campaign attacks the archive itself
            shape, archive = next(archives)
            body = _with_archive(_structured(tmp_path), archive)
        one = time.monotonic()
        try:
            findings = check_message(body, [ARCHIVE_PATIENT], engine)
        except Exception as exc:  # noqa: BLE001 - the point of the campaign
            problems.setdefault(shape, []).append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        worst = max(worst, time.monotonic() - one)
        if not all(isinstance(f, Finding) for f in findings):
            problems.setdefault(shape, []).append("not a list of findings")
    elapsed = time.monotonic() - started
    assert not problems, problems
    assert elapsed < COUNT * 0.2 + 30, f"{COUNT} hostile messages took {elapsed:.0f} s"
    assert worst < 10, f"one hostile message took {worst:.1f} s to check"
    print(f"mss-content: {COUNT} hostile messages in {elapsed:.1f} s (worst {worst * 1000:.0f} ms), 0 problems")


def _session_lines(rng: random.Random) -> list[bytes]:
    """One hostile SMTP session (plaintext side: the mock requires STARTTLS before anything else)."""
    garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b" ")
    choices = [
        [b"EHLO x", b"AUTH XOAUTH2 " + garbage],
        [b"EHLO x", b"MAIL FROM:<" + b"a" * rng.choice([600, 20_000]) + b"@x>"],
        [b"EHLO " + b"h" * rng.choice([100, 70_000])],
        [garbage],
        [b"EHLO x", b"STARTTLS", garbage],  # plaintext where a TLS ClientHello is expected
        [b"DATA", b"hello", b"."],
        [b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA"],  # pipelining without PIPELINING
        [b"HELO x", b"RSET", b"NOOP", b"VRFY root", b"EXPN staff", b"HELP", b"QUIT"],
        [b"\x00" * rng.randrange(1, 500)],
        [b"EHLO x"] * rng.randrange(1, 150),
    ]
    return rng.choice(choices)


def _play(port: int, lines: list[bytes]) -> bytes:
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        try:
            received += sock.recv(4096)
            for line in lines:
                sock.sendall(line + b"\r\n")
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionError, OSError):
            pass
    return received


@pytest.fixture
def mss(tmp_path: Path) -> Iterator[Mss]:
    with running(tmp_path) as served:
        yield served


def test_hostile_smtp_sessions(mss: Mss) -> None:
    rng = random.Random(SEED)
    count = max(20, COUNT // 4)  # each session is a real connection: a quarter of the campaign count
    problems = []
    started = time.monotonic()
    for _ in range(count):
        answer = _play(mss.port, _session_lines(rng))
        if any(leak in answer for leak in LEAKS):
            problems.append(answer[:200])
    deadline = time.monotonic() + T
    while len(mss.sessions()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    assert not problems, problems
    assert len(mss.sessions()) == count, f"{len(mss.sessions())} SMTP-SESSION records for {count} connections"
    client = connect(mss)  # still serves a careful client
    assert client.noop()[0] == 250
    client.quit()
    print(f"mss-smtp: {count} hostile sessions in {elapsed:.1f} s, 0 problems")
