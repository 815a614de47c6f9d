"""dovecot's configuration for the MSSanté IMAP mock, from the templates fixtures/mss/dovecot*.conf.

Where things go: the IMAP folder (`[mocks.mss] imap_dir`, default <store
folder>/mss-imap) keeps dovecot.conf and dovecot.log; what dovecot's unprivileged
processes must reach (base_dir sockets, state, maildirs, rawlogs, the oauth2 and
OpenSSL files) goes to a "spool": the IMAP folder itself when the mail user can
traverse it, its path is short enough for unix sockets and has no blank,
else a fresh /tmp/segur-mss-imap-* folder (e.g. a root checkout under /root, or
selfcheck's private work folder), removed when the mock stops.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template

from .settings import FIXTURES
from .tls import VERSIONS, TlsPolicy

SPOOL_MAX_PATH = 60
"""Longest spool path: base_dir's unix sockets (e.g. <spool>/run/login/imap-login) must fit in 108 bytes."""
STALE_SPOOL_SECONDS = 600.0
"""A /tmp spool this old whose dovecot is gone was left by a mock killed outright: removed at the next start."""
CHROOTED = ("aggregator", "director", "imap-urlauth-login", "ipc", "old-stats")
"""Services dovecot chroots by default besides the login ones and anvil: unchrooted when not root."""


@dataclass(frozen=True)
class MailOwner:
    """The system user dovecot's mail processes run as and the maildirs belong to (never root)."""

    user: str
    uid: int
    gid: int


def mail_owner(configured: str = "") -> MailOwner:
    """As root: `configured`, else "mail", else "dovecot" (dovecot refuses uid 0); otherwise the current user."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return MailOwner(entry.pw_name, entry.pw_uid, os.getegid())
    for name in ([configured] if configured else ["mail", "dovecot"]):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid == 0:
            raise ValueError(f"[mocks.mss] imap_mail_user = {name!r} : dovecot refuse l'uid 0 pour le courrier")
        return MailOwner(name, entry.pw_uid, entry.pw_gid)
    raise ValueError(f"utilisateur système {configured or 'mail ou dovecot'} absent : "
                     "réglez [mocks.mss] imap_mail_user")


def _traversable(path: Path, owner: MailOwner) -> bool:
    """True when `owner` may reach `path` (x on it and every ancestor) and it is usable in dovecot.conf."""
    text = str(path)
    if len(text) > SPOOL_MAX_PATH or any(c.isspace() or c in "#\"'" for c in text):
        return False
    for folder in (path, *path.parents):
        try:
            info = folder.stat()
        except FileNotFoundError:
            continue  # created later by us, with 0755
        mode = info.st_mode
        if info.st_uid == owner.uid:
            ok = mode & stat.S_IXUSR
        elif info.st_gid == owner.gid:
            ok = mode & stat.S_IXGRP
        else:
            ok = mode & stat.S_IXOTH
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Layout:
    """Every path of one dovecot instance."""

    folder: Path
    spool: Path
    temporary_spool: bool

    @property
    def config(self) -> Path:
        return self.folder / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.folder / "dovecot.log"

    @property
    def base_dir(self) -> Path:
        return self.spool / "run"

    @property
    def state_dir(self) -> Path:
        return self.spool / "state"

    @property
    def mail_root(self) -> Path:
        return self.spool / "mail"

    @property
    def rawlog_dir(self) -> Path:
        return self.spool / "rawlog"

    @property
    def oauth2_config(self) -> Path:
        return self.spool / "dovecot-oauth2.conf"

    @property
    def openssl_config(self) -> Path:
        return self.spool / "dovecot-openssl.conf"

    def remove_spool(self) -> None:
        if self.temporary_spool:
            shutil.rmtree(self.spool, ignore_errors=True)


def _alive(pid_file: Path) -> bool:
    """Whether the dovecot master of `pid_file` still runs (no pid file: dovecot is gone)."""
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError) as exc:
        return isinstance(exc, PermissionError)  # another user's live process
    return True


def prune_stale_spools(now: float | None = None) -> None:
    """Remove the /tmp spools of mocks that died without stopping (their dovecot gone too)."""
    now = now or time.time()
    for spool in Path("/tmp").glob("segur-mss-imap-*"):
        with contextlib.suppress(OSError):
            if spool.stat().st_uid == os.geteuid() and now - spool.stat().st_mtime > STALE_SPOOL_SECONDS \
                    and not _alive(spool / "run" / "master.pid"):
                shutil.rmtree(spool, ignore_errors=True)


def prepare(folder: Path, owner: MailOwner) -> Layout:
    """A clean layout under `folder` (the previous run's maildirs, rawlogs, state and log are removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    if _traversable(folder, owner):
        spool, temporary = folder, False
        for name in ("run", "state", "mail", "rawlog"):
            shutil.rmtree(folder / name, ignore_errors=True)
    else:
        prune_stale_spools()
        spool, temporary = Path(tempfile.mkdtemp(prefix="segur-mss-imap-", dir="/tmp")), True
    spool.chmod(0o755)
    layout = Layout(folder, spool, temporary)
    layout.log.unlink(missing_ok=True)
    for path in (layout.state_dir, layout.rawlog_dir):
        path.mkdir(mode=0o755)
    if os.geteuid() == 0:
        os.chown(layout.rawlog_dir, owner.uid, owner.gid)  # the imap process (mail user) writes its rawlogs
    return layout


def _template(name: str) -> Template:
    return Template((FIXTURES / name).read_text(encoding="utf-8"))


def _unprivileged(user: str, group: str) -> dict[str, str]:
    """Settings for a dovecot run by an ordinary user: every service as that user, no chroot."""
    if os.geteuid() == 0:
        return {"anvil_chroot": "", "login_chroot": "", "unprivileged": "",
                "internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull"}
    blocks = "\n".join(f"service {name} {{\n  chroot =\n}}" for name in CHROOTED)
    return {"anvil_chroot": "  chroot =", "login_chroot": "  chroot =", "unprivileged": blocks,
            "internal_user": user, "internal_group": group, "login_user": user}


def write(layout: Layout, *, host: str, imap_port: int, bridge_url: str, policy: TlsPolicy, cert: Path, key: Path,
          owner: MailOwner, introspection_timeout: float) -> Path:
    """Write dovecot.conf and its two companion files; the path of dovecot.conf."""
    versions = sorted(policy.versions, key=lambda v: VERSIONS[v])
    group = grp.getgrgid(owner.gid).gr_name if os.geteuid() != 0 else "dovecot"
    layout.openssl_config.write_text(_template("dovecot-openssl.conf").substitute(
        min_protocol=versions[0], max_protocol=versions[-1]), encoding="utf-8")
    layout.oauth2_config.write_text(_template("dovecot-oauth2.conf").substitute(
        bridge_url=bridge_url, timeout_msecs=int((introspection_timeout + 2) * 1000)), encoding="utf-8")
    for path in (layout.openssl_config, layout.oauth2_config):
        path.chmod(0o644)
    text = _template("dovecot.conf").substitute(
        host=host, instance_name=f"segur-mss-imap-{imap_port}", base_dir=layout.base_dir,
        state_dir=layout.state_dir, log_file=layout.log, openssl_conf=layout.openssl_config,
        cert=cert, key=key, min_protocol=versions[0], ciphers=":".join(policy.ciphers),
        oauth2_conf=layout.oauth2_config, mail_uid=owner.uid, mail_gid=owner.gid, mail_root=layout.mail_root,
        rawlog_dir=layout.rawlog_dir, imap_port=imap_port, **_unprivileged(owner.user, group),
    )  # fmt: skip
    layout.config.write_text(text, encoding="utf-8")
    return layout.config
