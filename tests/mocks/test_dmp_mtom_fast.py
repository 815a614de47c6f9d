"""The MTOM reader's fast paths give what the email package gives: Content-Type parameters read once, and
binary / 8bit / 7bit parts kept as bytes instead of an email payload decoded back (seeded, varied inputs)."""

from __future__ import annotations

import email
import email.policy
import random

import pytest

from segur_harness.mocks.dmp import mtom

CTES = ["binary", "BINARY", "8bit", "7bit", "", "base64", "Base64", "quoted-printable", "x-uuencode", "weird"]


def _encoded(data: bytes, cte: str) -> bytes:
    import base64
    import binascii
    import quopri

    lowered = cte.lower()
    if lowered == "base64":
        return base64.encodebytes(data)
    if lowered == "quoted-printable":
        return quopri.encodestring(data)
    if lowered == "x-uuencode":
        lines = [binascii.b2a_uu(data[i:i + 45]) for i in range(0, len(data), 45)] or [b"`\n"]
        return b"begin 644 f\n" + b"".join(lines) + b"`\nend\n"
    return data


def _body(rng: random.Random) -> tuple[str, bytes, list[bytes]]:
    boundary = f"uuid:{rng.getrandbits(64):x}"
    parts = []
    ctes = ["binary"] + [rng.choice(CTES) for _ in range(rng.randint(1, 3))]
    for index, cte in enumerate(ctes):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        if rng.random() < 0.3:
            data = data.replace(b"\r", b"").replace(b"\n", b"")
        if b"--" + boundary.encode() in data:
            data = b"x"
        ctype = 'application/xop+xml; charset=UTF-8; type="application/soap+xml"' if index == 0 else "text/xml"
        head = f"Content-Type: {ctype}\r\n"
        if cte:
            head += f"Content-Transfer-Encoding: {cte}\r\n"
        head += f"Content-ID: <p{index}@t>\r\n\r\n"
        if rng.random() < 0.3:  # LF-only head (tolerated), the content keeping its own CR/LF bytes
            head = head.replace("\r\n", "\n")
        parts.append(b"--" + boundary.encode() + b"\r\n" + head.encode() + _encoded(data, cte) + b"\r\n")
    quote = rng.choice(['"', ""])
    start = rng.choice(['; start="<p0@t>"', "", "; START=<p0@t>"])
    content_type = (f'multipart/related; type="application/xop+xml"; boundary={quote}{boundary}{quote}{start}'
                    + rng.choice(["", '; start-info="application/soap+xml"', "; action=urn:x"]))
    return content_type, b"".join(parts) + b"--" + boundary.encode() + b"--\r\n", [p for p in parts]


def _reference(content_type: str, body: bytes) -> dict[str, bytes]:
    """What the email package's whole-message parser decodes, by Content-ID."""
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body,
                                       policy=email.policy.compat32)
    out = {}
    for part in message.get_payload():
        out[str(part.get("Content-ID")).strip("<>")] = part.get_payload(decode=True)
    return out


@pytest.mark.parametrize("seed", range(300))
def test_parts_decode_as_the_email_package_decodes(seed: int) -> None:
    rng = random.Random(seed)
    content_type, body, _ = _body(rng)
    parsed = mtom.parse(content_type, body, max_parts=10, max_part_bytes=10_000)
    expected = _reference(content_type, body)
    assert parsed.root == expected.pop("p0@t")
    assert {cid: part.data for cid, part in parsed.parts.items()} == expected


@pytest.mark.parametrize("seed", range(200))
def test_content_type_parameters_read_once_as_get_param_reads_them(seed: int) -> None:
    rng = random.Random(seed)
    names = ["boundary", "type", "start", "Type", "BOUNDARY", "start-info", "action", "x"]
    params = []
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(names)
        value = rng.choice(['"a b"', "tok", '"<c@d>"', "''", '"q\\"x"', "us-ascii''%41", ""])
        params.append(f"{name}{'*' if rng.random() < 0.1 else ''}={value}")
    header = "; ".join(["multipart/related", *params])
    msg = mtom._header_message(header)
    read = mtom._params(msg)
    for name in {n.lower() for n in names}:
        assert read.get(name) == msg.get_param(name), (header, name)
    assert (email.utils.collapse_rfc2231_value(read["boundary"]).rstrip() if "boundary" in read else None) \
        == msg.get_boundary(), header
