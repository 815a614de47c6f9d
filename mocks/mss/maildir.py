"""The mock's maildirs (one per directory mailbox), written the way an MTA's local delivery does.

dovecot serves them: `<root>/<address>/Maildir` with tmp/new/cur. A message is
written in tmp/ then renamed into new/ under a unique name (maildir spec), so
dovecot never sees half a file; when the mock runs as root every folder and
file is handed to dovecot's mail user, which moves files to cur/ and renames
them to set flags (":2,S" = \\Seen).
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any

FLAGS = {"D": "\\Draft", "F": "\\Flagged", "P": "$Forwarded", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
"""Maildir info letters and the IMAP flags dovecot maps them to."""
HEADER_BYTES = 64 * 1024
_counter = itertools.count(1)


def _hostname() -> str:
    return socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"


def mailbox_folder(address: str) -> str:
    """The folder name of `address` (lowercased, as dovecot's auth_username_format %Lu gives the login)."""
    name = address.strip().lower()
    if not name or "/" in name or name.startswith(".") or "\x00" in name:
        raise ValueError(f"adresse de boîte inutilisable comme dossier : {address!r}")
    return name


class Maildirs:
    """Every mailbox's maildir under `root`; `owner` (uid, gid): who must own them (None: the current user)."""

    def __init__(self, root: Path, owner: tuple[int, int] | None = None) -> None:
        self.root = root
        self.owner = owner

    def _own(self, path: Path) -> None:
        if self.owner is not None and os.geteuid() == 0:
            os.chown(path, *self.owner)

    def maildir(self, address: str, *, create: bool = False) -> Path:
        """`<root>/<address>/Maildir`, with its tmp/new/cur folders when `create`."""
        home = self.root / mailbox_folder(address)
        path = home / "Maildir"
        if create:
            if not self.root.is_dir():
                self.prepare()
            for folder in (home, path, *(path / sub for sub in ("tmp", "new", "cur"))):
                if not folder.is_dir():
                    folder.mkdir(mode=0o700, exist_ok=True)
                    self._own(folder)
        return path

    def prepare(self) -> None:
        """The root folder, owned by the mail user (dovecot creates the maildir of a first login there)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        self._own(self.root)

    def deliver(self, address: str, raw: bytes) -> Path:
        """Write `raw` into the mailbox's new/ (tmp, fsync, rename); the delivered file."""
        path = self.maildir(address, create=True)
        seconds, micros = divmod(time.time_ns() // 1000, 1_000_000)  # one clock read: both parts of one instant
        name = f"{seconds}.M{micros:06d}P{os.getpid()}Q{next(_counter)}.{_hostname()}"
        tmp = path / "tmp" / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if self.owner is not None and os.geteuid() == 0:
                os.fchown(fd, *self.owner)
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        target = path / "new" / name
        os.rename(tmp, target)
        return target

    def list(self, address: str) -> list[dict[str, Any]]:
        """The INBOX's messages, oldest delivery first whether dovecot moved them to cur/ or not: file, folder,
        flags, size, Message-ID, Subject."""
        path = self.maildir(address)
        found = []
        for folder in ("new", "cur"):
            try:
                found += [(entry, folder) for entry in os.scandir(path / folder)
                          if entry.is_file() and not entry.name.startswith(".")]
            except FileNotFoundError:
                continue
        found.sort(key=lambda item: delivery_order(item[0].name))
        return [_describe(entry, folder) for entry, folder in found]

    def empty(self) -> int:
        """Remove every message of every mailbox (dovecot's indexes stay: it sees them expunged); how many."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for box in self.root.iterdir():
            folders = [box / "Maildir" / sub for sub in ("new", "cur")]
            folders += [f / sub for f in box.glob("Maildir/.*") for sub in ("new", "cur")]  # Maildir++ folders
            for folder in folders:
                if folder.is_dir():
                    for entry in folder.iterdir():
                        if entry.is_file():
                            entry.unlink(missing_ok=True)
                            removed += 1
        return removed


def delivery_order(name: str) -> tuple[int, int, str]:
    """Sort key of a maildir file name: its delivery time ("SECONDS.MMICROS…", as deliver() writes it and
    dovecot keeps it), then the name; a name of another shape sorts first, by name."""
    seconds, _, rest = name.partition(".")
    micros = rest[1:].split("P", 1)[0] if rest.startswith("M") else ""
    if seconds.isdigit() and micros.isdigit():
        return int(seconds), int(micros), name
    return -1, 0, name


def _describe(entry: os.DirEntry[str], folder: str) -> dict[str, Any]:
    _, _, info = entry.name.partition(":2,")
    flags = "".join(sorted(c for c in info if c.isalpha()))
    try:
        with open(entry.path, "rb") as handle:
            headers = BytesHeaderParser(policy=default).parsebytes(handle.read(HEADER_BYTES))
        size = entry.stat().st_size
    except OSError:  # dovecot renamed or expunged it meanwhile
        return {"file": entry.name, "folder": folder, "flags": flags, "imap_flags": [], "seen": "S" in flags,
                "size": 0, "message_id": "", "subject": ""}
    message_id, subject = _header(headers, "Message-ID").strip(), _header(headers, "Subject")
    return {"file": entry.name, "folder": folder, "flags": flags,
            "imap_flags": [FLAGS[c] for c in flags if c in FLAGS], "seen": "S" in flags, "size": size,
            "message_id": message_id, "subject": subject}


def _header(headers: Any, name: str) -> str:
    try:
        return str(headers.get(name) or "")
    except Exception:  # noqa: BLE001 - a header the parser cannot decode: listed empty, the raw file is the truth
        return ""
