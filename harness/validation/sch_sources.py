"""The files a schematron is made of: its include closure and the value-set files it reads.

Computed before compiling, so that (1) the disk cache key covers every file the
compiled XSLT depends on, (2) include paths that differ only in letter case are
resolved, (3) missing includes and absent terminology files are named up front
instead of surfacing as an opaque Saxon I/O error.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from segur_harness.validation.paths import resolve_ci

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
_INCLUDE_TAGS = (f"{{{SCH_NS}}}include", f"{{{SCH_NS}}}extends")
_XML_LITERAL = re.compile(r"""['"]([^'"\s()$,]+\.xml)['"]""")
"""A quoted relative path to an XML file inside an XPath expression (value-set references)."""


@dataclass(frozen=True)
class IncludeRef:
    source: Path
    href: str
    target: Path | None

    @property
    def case_fixed(self) -> bool:
        if self.target is None:
            return False
        return os.path.normpath(self.source.parent / self.href) != str(self.target)


@dataclass(frozen=True)
class DataRef:
    """A data file (value set) named by a literal in the schematron, resolved like Saxon will."""

    literal: str
    target: Path | None
    case_fixed: bool
    stand_in: bool = False
    """Rebuilt outside the pack (sch_valuesets.py): named by absolute URI, since pack and cache move apart."""

    def href(self, base_dir: Path) -> str:
        """What the compiled schematron names the file by; the cache key covers it."""
        if self.target is None:
            return "-"
        if self.stand_in:
            return self.target.absolute().as_uri()
        return os.path.relpath(self.target, base_dir).replace(os.sep, "/")


@dataclass
class SchematronSources:
    main: Path
    files: list[Path] = field(default_factory=list)
    includes: list[IncludeRef] = field(default_factory=list)
    data: dict[str, DataRef] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        """Relative document() paths resolve against the main schematron's folder (ANS layout)."""
        return self.main.parent

    @property
    def missing_includes(self) -> list[IncludeRef]:
        return [ref for ref in self.includes if ref.target is None]

    @property
    def case_fixes(self) -> list[IncludeRef]:
        return [ref for ref in self.includes if ref.case_fixed]

    @property
    def absent_data(self) -> list[DataRef]:
        return [ref for ref in self.data.values() if ref.target is None]

    def digest(self, salt: str) -> str:
        """Content hash of every file and of which value-set files exist: the compile cache key."""
        h = hashlib.sha256(salt.encode())
        for path in self.files:
            h.update(os.path.relpath(path, self.base_dir).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
        for literal in sorted(self.data):
            ref = self.data[literal]
            h.update(f"{literal}->{ref.href(self.base_dir)}".encode())
        return h.hexdigest()


def _parse(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser)


def resolve_data(base_dir: Path, literal: str) -> DataRef:
    exact = Path(os.path.normpath(base_dir / literal))
    target = resolve_ci(exact)
    return DataRef(literal, target, target is not None and target != exact)


def scan(main: Path) -> SchematronSources:
    """Walk the include closure of `main` (depth-first, each file once)."""
    sources = SchematronSources(main=main)
    seen: set[Path] = set()
    stack = [main]
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        sources.files.append(path)
        try:
            tree = _parse(path)
        except (OSError, etree.XMLSyntaxError) as exc:
            sources.unreadable.append(f"{path.name}: {exc}")
            continue
        for node in tree.iter(*_INCLUDE_TAGS):
            href = (node.get("href") or "").split("#", 1)[0]
            if not href:
                continue
            target = resolve_ci(path.parent / href)
            sources.includes.append(IncludeRef(path, href, target))
            if target is not None:
                stack.append(target)
        for node in tree.iter():
            for name in ("value", "test", "select", "context"):
                raw = node.get(name) if isinstance(node.tag, str) else None
                if raw and ".xml" in raw:
                    for literal in _XML_LITERAL.findall(raw):
                        if literal not in sources.data:
                            sources.data[literal] = resolve_data(sources.base_dir, literal)
    return sources
