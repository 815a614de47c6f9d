"""The CDA documents of a received IHE_XDM.ZIP, read the way an untrusted archive must be.

Only what METADATA.XML lists is read (never every file that looks like a
document), each URI must stay inside its subset folder, and entry count,
member size and total uncompressed size are bounded (mss.toml [inbound]) so a
zip bomb costs nothing.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from segur_harness.xmlsafe import parse_xml

from ..dmp import ns
from ..dmp.ebrs import slot_values
from .data import mss_data

XML_TYPES = ("text/xml", "application/xml", "application/hl7-cda+xml")


class UnreadableArchive(ValueError):
    """The archive cannot be used; the message is French, for the user and the MDN."""


@dataclass(frozen=True)
class ArchivedDocument:
    member: str
    data: bytes


class _Budget:
    def __init__(self, total: int, member: int) -> None:
        self.left, self.member = total, member

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        if info.file_size > self.member or info.file_size > self.left:
            raise UnreadableArchive(f"{info.filename} trop volumineux une fois décompressé")
        with archive.open(info) as handle:
            data = handle.read(min(self.member, self.left) + 1)
        if len(data) > self.member or len(data) > self.left:
            raise UnreadableArchive(f"{info.filename} trop volumineux une fois décompressé")
        self.left -= len(data)
        return data


def _inside(subset: PurePosixPath, uri: str) -> str | None:
    """`subset/uri` when `uri` is a plain relative file name, else None (absolute, '..', backslash, drive)."""
    if not uri or "\\" in uri or ":" in uri or uri.startswith("/"):
        return None
    path = PurePosixPath(uri)
    if any(part in ("..", ".", "") for part in path.parts):
        return None
    return str(subset / path)


def _metadata_members(names: list[str]) -> list[str]:
    found = []
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 3 and parts[0].upper() == "IHE_XDM" and parts[2].upper() == "METADATA.XML":
            found.append(name)
    return sorted(found)


def read_documents(data: bytes) -> list[ArchivedDocument]:
    """The XML documents METADATA.XML lists, in its order; UnreadableArchive when the archive cannot be trusted."""
    limits = mss_data()["inbound"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read(archive, limits)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
        raise UnreadableArchive(f"archive IHE_XDM.ZIP illisible ({type(exc).__name__})") from None


def _read(archive: zipfile.ZipFile, limits: dict[str, int]) -> list[ArchivedDocument]:
    infos = archive.infolist()
    if len(infos) > limits["max_zip_entries"]:
        raise UnreadableArchive(f"archive IHE_XDM.ZIP de {len(infos)} fichiers (au plus {limits['max_zip_entries']})")
    members = {info.filename: info for info in infos if not info.is_dir()}
    by_upper = {name.upper(): name for name in members}
    metadata = _metadata_members(list(members))
    if not metadata:
        raise UnreadableArchive("archive sans IHE_XDM/<sous-ensemble>/METADATA.XML")
    budget = _Budget(limits["max_total_bytes"], limits["max_member_bytes"])
    documents: list[ArchivedDocument] = []
    for meta_name in metadata:
        try:
            root = parse_xml(budget.read(archive, members[meta_name]))
        except ValueError as exc:
            raise UnreadableArchive(f"{meta_name} illisible ({exc})") from None
        if root.tag != f"{{{ns.LCM}}}SubmitObjectsRequest":
            raise UnreadableArchive(f"{meta_name} n'est pas un SubmitObjectsRequest ebRS")
        subset = PurePosixPath(meta_name).parent
        for entry in root.iter(f"{{{ns.RIM}}}ExtrinsicObject"):
            if (entry.get("mimeType") or "").lower() not in XML_TYPES:
                continue
            uris = slot_values(entry, "URI")
            target = _inside(subset, uris[0] if uris else "")
            if target is None:
                raise UnreadableArchive(f"URI de document refusée dans {meta_name} : {uris[:1]}")
            member = by_upper.get(target.upper())
            if member is None:
                raise UnreadableArchive(f"{target} listé dans {meta_name} mais absent de l'archive")
            documents.append(ArchivedDocument(member, budget.read(archive, members[member])))
    if not documents:
        raise UnreadableArchive("METADATA.XML ne liste aucun document CDA")
    return documents
