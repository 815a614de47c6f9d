"""A seeded generator of hostile requests, derived from one valid request of a mock (issue 11 item 5).

Each mutation is one of the shapes a careless or malicious client sends: byte
flips, truncation, duplicated or removed slices, huge attributes and text,
deep nesting, DTD / entity / XInclude tricks, SOAP 1.1, invalid UTF-8,
multipart garbage, wrong or missing content types, over-limit bodies. The
same seed gives the same requests, so a failure can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

XXE = b'<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
XINCLUDE = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
LEAKS = (b"Traceback", b"root:x:0:0", b"<html", b"<!DOCTYPE html", b"File \"/")
"""What must never appear in an answer: a stack trace, a file's content, an HTML error page."""


@dataclass(frozen=True)
class Hostile:
    """One generated request: what was done to the valid one, its body and content type."""

    shape: str
    body: bytes
    content_type: str


def _slice(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data))
    return start, min(len(data), start + rng.randrange(1, 64))


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _after_first_tag(data: bytes, insert: bytes) -> bytes:
    """`insert` just inside the first element after the XML declaration (a child of the root)."""
    start = data.find(b"<", data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0)
    end = data.find(b">", start)
    return data[:end + 1] + insert + data[end + 1:] if start >= 0 and end > 0 else insert + data


def mutations(max_body: int) -> dict[str, Callable[[random.Random, bytes, str], tuple[bytes, str]]]:
    """Mutation name -> function (rng, valid body, content type) -> (body, content type)."""

    def doctype(rng: random.Random, data: bytes, ct: str) -> tuple[bytes, str]:
        decl = rng.choice([XXE, LAUGHS])
        head = data.find(b"<", data.find(b"?>") + 2) if data.startswith(b"<?xml") else data.find(b"<")
        return (data[:head] + decl + data[head:] if head >= 0 else decl + data), ct

    return {
        "byte-flip": lambda r, d, ct: (_flip(r, d), ct),
        "truncation": lambda r, d, ct: (d[:r.randrange(len(d))], ct),
        "duplicated-slice": lambda r, d, ct: ((lambda s, e: d[:e] + d[s:e] + d[e:])(*_slice(r, d)), ct),
        "removed-slice": lambda r, d, ct: ((lambda s, e: d[:s] + d[e:])(*_slice(r, d)), ct),
        "huge-attributes": lambda r, d, ct: (_after_first_tag(
            d, b"<x " + b" ".join(b'a%d="v"' % i for i in range(r.choice([300, 3000]))) + b"/>"), ct),
        "huge-text": lambda r, d, ct: (_after_first_tag(d, b"<x>" + b"A" * r.choice([70_000, 500_000]) + b"</x>"),
                                       ct),
        "deep-nesting": lambda r, d, ct: (_after_first_tag(d, b"<x>" * 300 + b"</x>" * 300), ct),
        "doctype": doctype,
        "xinclude": lambda r, d, ct: (_after_first_tag(d, XINCLUDE), ct),
        "soap11": lambda r, d, ct: (d.replace(b"http://www.w3.org/2003/05/soap-envelope",
                                              b"http://schemas.xmlsoap.org/soap/envelope/"), ct),
        "invalid-utf8": lambda r, d, ct: ((lambda i: d[:i] + b"\xc3\x28\xff\xfe" + d[i:])(r.randrange(len(d))), ct),
        "wrong-content-type": lambda r, d, ct: (d, r.choice(["text/plain", "application/json", "text/html",
                                                             "multipart/related", "application/xop+xml", ""])),
        "multipart-garbage": lambda r, d, ct: (b"--b\r\nContent-Type: application/xop+xml\r\n\r\n" + _flip(r, d)[:200]
                                               + b"\r\n--b", 'multipart/related; type="application/xop+xml"; '
                                               'boundary="b"; start="<nope>"'),
        "boundary-garbage": lambda r, d, ct: (d.replace(b"--", b"-", r.randrange(1, 4)), ct),
        "over-limit": lambda r, d, ct: (d + b" " * (max_body + 1 - len(d)), ct),
        "empty": lambda r, d, ct: (b"", ct),
    }


def campaign(valid: bytes, content_type: str, count: int, seed: int, max_body: int) -> Iterator[Hostile]:
    """`count` hostile requests derived from `valid`, every shape in turn, the details drawn from `seed`."""
    rng = random.Random(seed)
    table = mutations(max_body)
    names = sorted(table)
    for number in range(count):
        name = names[number % len(names)]
        if name == "over-limit" and number >= len(names) * 3:
            name = "byte-flip"  # a few over-limit bodies prove the bound; thousands only cost time
        body, ct = table[name](rng, valid, content_type)
        yield Hostile(name, body, ct)
