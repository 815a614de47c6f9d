"""What makes a verdict: harness errors (broken) kept apart from SUT failures, and the exit code of each verdict."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from segur_harness.errors import HarnessError
from segur_harness.steps.adapter import AdapterClient, AdapterError
from segur_harness.steps.mock_admin import MockAdmin
from segur_harness.steps.plugin import broken_reason
from segur_harness.summary import EXIT_CODES, verdict
from tests.harness.http_stub import serving


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, body, kind = {
            "/adapter/v1/info": (200, b'{"product": "x"}', "application/json"),
            "/adapter/v1/identities/x": (404, b'{"error": "unknown"}', "application/json"),
            "/_admin/exchanges": (500, b"boom", "text/plain"),
        }.get(self.path.split("?")[0], (200, b"<html>garbage</html>", "text/html"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def test_adapter_unexpected_status_is_the_suts_failure(server: str) -> None:
    with pytest.raises(AdapterError):  # an AssertionError: the scenario fails
        AdapterClient(server).identity("x")
    assert AdapterClient(server).info() == {"product": "x"}


def test_adapter_garbage_or_unreachable_is_a_harness_error(server: str) -> None:
    with pytest.raises(HarnessError, match="pas du JSON"):
        AdapterClient(server).export("y")
    refused = r"adaptateur du logiciel GET http://127.0.0.1:1/adapter/v1/info : connection refused"
    with pytest.raises(HarnessError, match=refused):
        AdapterClient("http://127.0.0.1:1").info()


def test_mock_admin_failure_is_a_harness_error(server: str) -> None:
    admin = MockAdmin("dmp", server, server + "/_admin")
    with pytest.raises(HarnessError, match="simulateur dmp GET .*HTTP 500"):
        admin.exchanges("S1")
    with pytest.raises(HarnessError, match="connection refused"):
        MockAdmin("insi", "http://127.0.0.1:1/lps", "http://127.0.0.1:1/_admin").reset()


def _info(exc: BaseException) -> pytest.ExceptionInfo[BaseException]:
    try:
        raise exc
    except BaseException as raised:  # noqa: BLE001 - building an ExceptionInfo
        return pytest.ExceptionInfo.from_exception(raised)


def test_broken_reason_blames_the_harness_only_for_harness_errors() -> None:
    assert broken_reason(_info(AssertionError("SUT wrong"))) is None
    assert broken_reason(_info(AdapterError("HTTP 500"))) is None
    assert broken_reason(_info(pytest.skip.Exception("no pack"))) is None
    assert broken_reason(_info(HarnessError("simulateur dmp : connection refused"))) == (
        "banc de test : simulateur dmp : connection refused")
    assert broken_reason(_info(HarnessError("problème du banc de test : étape « Quand » manquante"))) == (
        "banc de test : étape « Quand » manquante")  # a feature or set-up mistake: never the SUT's failure
    reason = broken_reason(_info(KeyError("calls")))
    assert reason is not None and reason.startswith("erreur dans le code du banc de test à ") and "KeyError" in reason


@pytest.mark.parametrize(("counts", "problems", "expected"), [
    ({"total": 3, "passed": 3, "failed": 0, "broken": 0, "skipped": 0}, [], "passed"),
    ({"total": 3, "passed": 2, "failed": 1, "broken": 0, "skipped": 0}, [], "failed"),
    ({"total": 3, "passed": 1, "failed": 1, "broken": 1, "skipped": 0}, [], "broken"),
    ({"total": 3, "passed": 2, "failed": 0, "broken": 0, "skipped": 1}, [], "incomplete"),
    ({"total": 3, "passed": 2, "failed": 1, "broken": 0, "skipped": 1}, [], "failed"),
    ({"total": 0, "passed": 0, "failed": 0, "broken": 0, "skipped": 0}, [], "nothing-selected"),
    ({"total": 0, "passed": 0, "failed": 0, "broken": 0, "skipped": 0}, ["pytest exit 3"], "broken"),
])  # fmt: skip
def test_verdicts_and_their_exit_codes(counts: dict[str, int], problems: list[str], expected: str) -> None:
    assert verdict(counts, problems) == expected
    assert EXIT_CODES == {"passed": 0, "failed": 1, "broken": 2, "nothing-selected": 3, "incomplete": 4}
