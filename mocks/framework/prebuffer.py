"""When has a connection sent one whole HTTP/1.x request? (decided on the raw bytes, cheaply).

The mock worker keeps a connection on its event loop until this says yes, so
a client that sends slowly, or stops half-way, never holds a worker thread.
The test is conservative: anything it cannot judge (chunked bodies without
their terminator, Expect: 100-continue, oversized input) is handed over and
left to gunicorn's parser and the app's own bounds.
"""

from __future__ import annotations

import re

HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*(?=\r\n)", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:[^\r\n]*chunked", re.IGNORECASE)
EXPECT = re.compile(rb"\r\nexpect[ \t]*:", re.IGNORECASE)


def request_complete(buffer: bytes | bytearray, cap: int, body_limit: int | None = None) -> bool:
    """True when `buffer` holds at least one whole request, or is too large to keep buffering.

    Also true as soon as the head announces a Content-Length above `body_limit`
    (the app refuses such a body from its header, so buffering it would only
    cost), or a chunked body has sent more than `body_limit` bytes.
    """
    if len(buffer) >= cap:
        return True
    end = buffer.find(HEAD_END)
    if end < 0:
        return False
    head = bytes(buffer[:end + 2])
    if EXPECT.search(head):
        return True  # the client waits for 100 Continue before sending its body
    if CHUNKED.search(head):
        # a chunked body already longer than the bound goes to a thread as it is: the app refuses it after
        # reading at most the bound (buffering up to `cap` only made gunicorn's parser copy it over and over)
        return buffer.endswith(b"0\r\n\r\n") or (body_limit is not None and len(buffer) - (end + 4) > body_limit)
    match = CONTENT_LENGTH.search(head)
    if match is None:
        return True
    declared = int(match.group(1))
    if body_limit is not None and declared > body_limit:
        return True
    return len(buffer) - (end + 4) >= declared


ANY_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:", re.IGNORECASE)
TRANSFER_ENCODING = re.compile(rb"\r\ntransfer-encoding[ \t]*:", re.IGNORECASE)


def single_request(buffer: bytes | bytearray, body_limit: int | None = None) -> bool:
    """True when `buffer` is exactly one whole request framed by one Content-Length (or none), nothing after.

    Such a request is parsed without the parser reading the socket again, so
    the worker may run it on its event loop. Anything else (chunked or any
    Transfer-Encoding, Expect, several or unreadable Content-Length headers,
    a body above `body_limit`, pipelined bytes) goes to a thread as before.
    """
    end = buffer.find(HEAD_END)
    if end < 0:
        return False
    head = bytes(buffer[:end + 2])
    if EXPECT.search(head) or TRANSFER_ENCODING.search(head):
        return False
    declared = 0
    headers = len(ANY_CONTENT_LENGTH.findall(head))
    if headers:
        match = CONTENT_LENGTH.search(head)
        if headers > 1 or match is None:
            return False
        declared = int(match.group(1))
    if body_limit is not None and declared > body_limit:
        return False
    return len(buffer) == end + 4 + declared


def request_path(buffer: bytes | bytearray) -> str:
    """The path of the request line's target in `buffer`, query dropped, percent-escapes kept ("" if none)."""
    line = bytes(buffer[:buffer.find(b"\r\n")]).split(b" ")
    target = line[1] if len(line) > 1 else b""
    return target.split(b"?", 1)[0].decode("latin-1")
