"""The mss-imap admin API: the framework's (tcp.admin_app) plus the mailboxes, and dovecot's introspection bridge.

POST /_admin/mailboxes/<address>/messages   raw RFC 5322 message (any content type): delivered into
                                            that mailbox's maildir (IMAP-DELIVERY, source "admin")
GET  /_admin/mailboxes/<address>/messages   the INBOX's messages: file, flags (maildir letters and
                                            IMAP flags), size, Message-ID, Subject
GET  /_admin/dovecot                        pid, port, configuration, log and maildir folders
POST /dovecot/introspect                    for dovecot only (imap_bridge.py)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request

from segur_harness.mocks.framework.tcp import admin_app
from segur_harness.store import Store

from .delivery import Delivery
from .imap_bridge import ROUTE, IntrospectionBridge
from .maildir import Maildirs
from .settings import IMAP_SERVICE


class ImapService:
    """The admin API's view of the IMAP side: reset empties every mailbox (scenarios start from empty boxes)."""

    name = IMAP_SERVICE

    def __init__(self, maildirs: Maildirs) -> None:
        self.maildirs = maildirs

    def reset(self) -> None:
        self.maildirs.empty()


def imap_admin_app(store: Store, delivery: Delivery, bridge: IntrospectionBridge, info: Callable[[], dict[str, Any]],
                   max_bytes: int) -> Flask:
    app = admin_app(ImapService(delivery.maildirs), store)
    app.config["MAX_CONTENT_LENGTH"] = max_bytes

    def unknown(address: str) -> tuple[Response, int]:
        return jsonify({"error": f"boîte {address} absente de l'annuaire MSSanté du mock"}), 404

    @app.post("/_admin/mailboxes/<address>/messages")
    def deliver(address: str) -> tuple[Response, int]:
        box = delivery.directory.get(address)
        if box is None:
            return unknown(address)
        raw = request.get_data(cache=False)
        if not raw.strip():
            return jsonify({"error": "corps vide : attendu un message RFC 5322 brut"}), 400
        done = delivery.deliver_one(box.address, raw, source="admin", peer=request.remote_addr)
        if done.error:
            return jsonify({"delivered": False, "exchange_id": done.exchange_id, "error": done.error}), 500
        return jsonify({"delivered": True, "exchange_id": done.exchange_id,
                        "file": done.file.name if done.file else None}), 201

    @app.get("/_admin/mailboxes/<address>/messages")
    def messages(address: str) -> Response | tuple[Response, int]:
        box = delivery.directory.get(address)
        if box is None:
            return unknown(address)
        return jsonify(delivery.maildirs.list(box.address))

    @app.get("/_admin/dovecot")
    def dovecot() -> Response:
        return jsonify(info())

    app.add_url_rule(ROUTE, "dovecot_introspect", bridge.view, methods=["POST"])
    return app
