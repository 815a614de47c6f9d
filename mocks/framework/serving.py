"""The gunicorn command line of a mock: one place, so `mocks serve`, the run, the tests and the benchmark agree.

Worker: MockWorker (worker.py), gthread with requests buffered on the event
loop; a plain whole request runs on the loop itself, anything else (chunked,
refused, delayed on purpose) in one of 4 threads per worker (the Python code
is CPU-bound: more threads only queue on the GIL). Header limits
raised so big or many headers reach the mock and are recorded like any other
request; what gunicorn still refuses is answered in-protocol by the worker.
Environment: SEGUR_MOCK_HEADER_TIMEOUT (s, default 10: time to send one whole
request), SEGUR_MOCK_READ_TIMEOUT (s, default 5: one socket read in a thread),
SEGUR_STORE_GROUP_COMMIT=0 (one transaction per exchange, for comparison),
SEGUR_MOCK_INLINE=0 (every request in a thread, for comparison).
"""

from __future__ import annotations

from segur_harness.processes import python_command

WORKER_CLASS = "segur_harness.mocks.framework.worker.MockWorker"
THREADS = 4
KEEP_ALIVE = 15
"""Seconds an idle keep-alive connection is kept (on the event loop: it costs no thread)."""


def gunicorn_command(app: str, host: str, port: int, workers: int, *, worker_class: str = WORKER_CLASS,
                     threads: int = THREADS) -> list[str]:
    """The command serving WSGI app spec `app` (module:callable) on host:port."""
    return python_command(
        "-m", "gunicorn",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--threads", str(threads),
        "--bind", f"{host}:{port}",
        "--keep-alive", str(KEEP_ALIVE),
        "--limit-request-fields", "256",
        "--limit-request-field_size", "32768",
        "--graceful-timeout", "5",
        "--timeout", "60",
        app,
    )  # fmt: skip


def mock_app_spec(service: str) -> str:
    """gunicorn's app spec for mock `service`."""
    return f'segur_harness.mocks.registry:build_app("{service}")'
