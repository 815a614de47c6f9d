"""authlib's view of one request: an OAuth2Request over the bytes the framework already read.

The framework consumes the body stream before the service sees it, so the
form is parsed here from those bytes (strictly, with bounds) instead of by
Flask; a body that is not a sane UTF-8 urlencoded form is refused, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from segur_harness.store import Finding

from .faults import PscError
from .protocol import FORM_CT

MAX_FIELDS = 50
MAX_VALUE_CHARS = 8192
"""Longest parameter value accepted (an id_token_hint or login_hint_token is a few kB at most)."""


class _Payload(OAuth2Payload):
    def __init__(self, values: CombinedMultiDict) -> None:
        self._values = values

    @property
    def data(self) -> CombinedMultiDict:
        return self._values

    @property
    def datalist(self) -> defaultdict[str, list]:
        out: defaultdict[str, list] = defaultdict(list)
        for key in self._values:
            out[key].extend(self._values.getlist(key))
        return out


def parse_params(raw: str, where: str) -> MultiDict:
    """Strictly parse a urlencoded string; PscError on anything malformed or out of bounds."""
    if not raw:
        return MultiDict()
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FIELDS,
                          errors="strict")
    except ValueError as exc:
        if "Max number of fields" in str(exc):
            raise PscError("parametres_trop_nombreux") from None
        raise PscError("formulaire_illisible", where) from None
    for key, value in pairs:
        if len(value) > MAX_VALUE_CHARS or len(key) > 128:
            raise PscError("parametre_trop_long", key[:64])
    return MultiDict(pairs)


def read_form(content_type: str | None, body: bytes) -> MultiDict:
    """The urlencoded form of a POST body (empty body = empty form)."""
    if not body:
        return MultiDict()
    if (content_type or "").split(";")[0].strip().lower() != FORM_CT:
        raise PscError("type_contenu", status=415)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PscError("formulaire_illisible", "UTF-8 invalide") from None
    return parse_params(text, "corps")


class PscRequest(OAuth2Request):
    """An OAuth2Request with query args, form and the findings the handling adds."""

    def __init__(self, method: str, uri: str, headers: object, args: MultiDict, form: MultiDict) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = args
        self._form = form
        self.payload = _Payload(CombinedMultiDict([args, form]))
        self.findings: list[Finding] = []

    @property
    def args(self) -> MultiDict:
        return self._args

    @property
    def form(self) -> MultiDict:
        return self._form
