"""Compile a pack schematron to XSLT with the pack's own ISO skeleton, cached on disk.

Chain: iso_dsdl_include -> iso_abstract_expand -> (pack-defect pass) ->
iso_svrl_for_xslt2, all under saxonche. The compiled XSLT is written to
<cache>/schematron/<name>-<hash>.xsl where the hash covers the schematron, every
file it includes, the skeleton and which value-set files exist, so an edited or
re-downloaded pack never reuses a stale compilation. Executables stay in memory
for the life of the engine (compiling even from cache costs tens of ms).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.validation.pack import SKELETON, Pack
from segur_harness.validation.paths import resolve_ci
from segur_harness.validation.saxon import SaxonFailure, processor, saxon_call
from segur_harness.validation.sch_defects import DefectPatch, patch_expanded
from segur_harness.validation.sch_sources import SCH_NS, SchematronSources, scan
from segur_harness.validation.sch_valuesets import provide

PIPELINE_VERSION = "segur-sch-pipeline/2"
"""Bump when the pre-pass, the defect pass or the SVRL parameters change (invalidates caches)."""

SVRL_PARAMETERS = {"generate-fired-rule": "false"}
"""Fired-rule elements are not used by the engine and make the SVRL several times larger."""


class CompileFailure(Exception):
    """The schematron cannot be compiled; `reason` names the file or the Saxon error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CompiledSchematron:
    path: Path
    key: str
    executable: Any
    schema_version: str | None
    case_fixed_includes: list[str]
    patch: DefectPatch
    from_cache: bool
    notes: list[str] = field(default_factory=list)

    def versions(self, pack: Pack) -> dict[str, str]:
        info = {
            "schematron": os.path.relpath(self.path, pack.schematron_dir).replace(os.sep, "/"),
            "schematron_version": self.schema_version or "unspecified",
            "schematron_sha256": self.key[:16],
        }
        if self.case_fixed_includes:
            info["case_fixed_includes"] = str(len(self.case_fixed_includes))
        if self.patch.absent:
            info["absent_value_set_files"] = str(len(self.patch.absent))
        if self.patch.rebuilt:
            info["value_sets_rebuilt_from_pack"] = "; ".join(self.patch.rebuilt)
        return info


def _parse_file(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser)


def _stage(sources: SchematronSources, folder: Path) -> Path:
    """Copy the closure with every include href pointing at the correctly cased staged copy."""
    staged = {path: folder / f"{i:03d}-{path.name}" for i, path in enumerate(sources.files)}
    for path, copy in staged.items():
        tree = _parse_file(path)
        for node in tree.iter(f"{{{SCH_NS}}}include", f"{{{SCH_NS}}}extends"):
            href = node.get("href") or ""
            target_part, _, fragment = href.partition("#")
            target = resolve_ci(path.parent / target_part) if target_part else None
            if target is not None and target in staged:
                node.set("href", staged[target].as_uri() + (f"#{fragment}" if fragment else ""))
        tree.write(str(copy), encoding="UTF-8", xml_declaration=True)
    return staged[sources.main]


class SchematronCompiler:
    """Compiles and keeps one executable per schematron of one pack (thread-safe)."""

    def __init__(self, pack: Pack, cache_root: Path) -> None:
        self.pack = pack
        self.cache = cache_root / "schematron"
        self._lock = threading.Lock()
        self._skeleton: list[Any] | None = None
        self._done: dict[Path, CompiledSchematron | CompileFailure] = {}
        self._salt: str | None = None

    def _skeleton_salt(self) -> str:
        if self._salt is None:
            digest = [PIPELINE_VERSION, json.dumps(SVRL_PARAMETERS, sort_keys=True)]
            for name in SKELETON + ("iso_schematron_skeleton_for_saxon.xsl",):
                path = self.pack.moteur_dir / name
                digest.append(path.read_text(encoding="utf-8", errors="replace") if path.exists() else "-")
            self._salt = hashlib.sha256("\n".join(digest).encode()).hexdigest()
        return self._salt

    def _skeleton_executables(self) -> list[Any]:
        if self._skeleton is None:

            def build() -> list[Any]:
                xslt = processor().new_xslt30_processor()
                return [xslt.compile_stylesheet(stylesheet_file=str(self.pack.moteur_dir / n)) for n in SKELETON]

            try:
                self._skeleton = saxon_call(build)
            except SaxonFailure as exc:
                raise CompileFailure(f"the pack's ISO skeleton does not compile: {exc.summary()}") from None
            proc = processor()
            for name, value in SVRL_PARAMETERS.items():
                self._skeleton[2].set_parameter(name, proc.make_string_value(value))
        return self._skeleton

    def get(self, sch: Path) -> CompiledSchematron:
        """The compiled schematron, or CompileFailure (remembered: a broken file is not retried)."""
        with self._lock:
            done = self._done.get(sch)
            if done is None:
                try:
                    done = self._compile(sch)
                except CompileFailure as exc:
                    done = exc
                except (OSError, etree.XMLSyntaxError) as exc:
                    done = CompileFailure(f"cannot read schematron sources: {exc}")
                self._done[sch] = done
        if isinstance(done, CompileFailure):
            raise done
        return done

    def _compile(self, sch: Path) -> CompiledSchematron:
        sources = scan(sch)
        if sources.unreadable:
            raise CompileFailure("unreadable schematron file(s): " + "; ".join(sources.unreadable))
        if sources.missing_includes:
            names = sorted({ref.href for ref in sources.missing_includes})
            raise CompileFailure(f"missing include(s) in the pack: {', '.join(names)}")
        rebuilt = provide(sources, self.pack, self.cache)
        key = sources.digest(self._skeleton_salt())
        xsl_path = self.cache / f"{sch.stem}-{key[:24]}.xsl"
        meta_path = xsl_path.with_suffix(".json")
        from_cache = xsl_path.is_file() and meta_path.is_file()
        if from_cache:
            text = xsl_path.read_text(encoding="utf-8")
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            patch = DefectPatch(meta["neutralized"], meta["literals_fixed"], meta["absent"], meta.get("rebuilt", []))
        else:
            text, patch = self._generate(sources)
            patch.rebuilt = rebuilt
            self._write(xsl_path, text)
            self._write(meta_path, json.dumps(patch.__dict__, indent=1))
        executable = self._load(text, sources.base_dir)
        root = _parse_file(sch).getroot()
        return CompiledSchematron(
            path=sch,
            key=key,
            executable=executable,
            schema_version=root.get("schemaVersion"),
            case_fixed_includes=[ref.href for ref in sources.case_fixes],
            patch=patch,
            from_cache=from_cache,
        )

    @staticmethod
    def _write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)

    def _generate(self, sources: SchematronSources) -> tuple[str, DefectPatch]:
        include, expand, svrl = self._skeleton_executables()
        proc = processor()
        with tempfile.TemporaryDirectory(prefix="segur-sch-") as folder:
            staged_main = _stage(sources, Path(folder))
            try:
                expanded = saxon_call(
                    lambda: expand.transform_to_string(
                        xdm_node=proc.parse_xml(
                            xml_text=include.transform_to_string(source_file=str(staged_main)),
                            encoding="UTF-8",
                        )
                    )
                )
            except SaxonFailure as exc:
                raise CompileFailure(f"include/abstract expansion failed: {exc.summary()}") from None
        tree = etree.ElementTree(etree.fromstring(expanded.encode("utf-8")))
        patch = patch_expanded(tree, sources)
        patched = etree.tostring(tree, encoding="unicode")
        try:
            text = saxon_call(
                lambda: svrl.transform_to_string(xdm_node=proc.parse_xml(xml_text=patched, encoding="UTF-8"))
            )
        except SaxonFailure as exc:
            raise CompileFailure(f"SVRL generation failed: {exc.summary()}") from None
        if "stylesheet" not in text[:5000]:
            raise CompileFailure("SVRL generation produced no stylesheet")
        return text, patch

    @staticmethod
    def _load(text: str, base_dir: Path) -> Any:
        def build() -> Any:
            xslt = processor().new_xslt30_processor()
            xslt.set_cwd(str(base_dir) + os.sep)
            return xslt.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")

        try:
            return saxon_call(build)
        except SaxonFailure as exc:
            raise CompileFailure(f"compiled XSLT does not compile: {exc.summary()}") from None
