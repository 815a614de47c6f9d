"""Value-set files a schematron reads but the pack does not ship, rebuilt from the pack's own value sets.

StrucMin reads include/voc-1.2.250.1.213.1.1.5.471-DYNAMIC.xml (ART-DECOR layout)
for its document-code rule; the pack ships that value set (JDV_J07, same OID)
only as an IHE SVS file in jeuxDeValeurs/. The table [[value_set_stand_in]] of
schematron.toml names such pairs; the ART-DECOR file is written to the harness
cache (never into the pack or the project), named by the SVS content hash, and
the schematron's literal is pointed at it, so the schematron's own rule runs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from lxml import etree

from segur_harness.validation.pack import Pack
from segur_harness.validation.sch_sources import DataRef, SchematronSources
from segur_harness.validation.volets import schematron_data

SVS = "urn:ihe:iti:svs:2008"


def art_decor_value_set(svs_file: Path) -> bytes:
    """The SVS value set as ART-DECOR writes it: /valueSets/valueSet/conceptList/concept/@code."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    svs = etree.parse(str(svs_file), parser).getroot()
    source = svs.find(f"{{{SVS}}}ValueSet")
    if source is None:
        raise ValueError(f"{svs_file.name}: no svs:ValueSet")
    out = etree.Element("valueSets")
    value_set = etree.SubElement(out, "valueSet", id=source.get("id") or "",
                                 name=source.get("displayName") or svs_file.stem, statusCode="final")
    concepts = etree.SubElement(value_set, "conceptList")
    for concept in source.iter(f"{{{SVS}}}Concept"):
        etree.SubElement(concepts, "concept", code=concept.get("code") or "",
                         codeSystem=concept.get("codeSystem") or "", displayName=concept.get("displayName") or "")
    return etree.tostring(out, xml_declaration=True, encoding="UTF-8")


def provide(sources: SchematronSources, pack: Pack, cache: Path) -> list[str]:
    """Point each absent value-set literal that has a stand-in at its rebuilt file; the literals provided."""
    table = {item["literal"]: item for item in schematron_data().get("value_set_stand_in", [])}
    provided = []
    for literal, ref in list(sources.data.items()):
        item = table.get(literal)
        if ref.target is not None or item is None:
            continue
        svs_file = pack.root / item["pack_file"]
        if not svs_file.is_file():
            continue
        data = art_decor_value_set(svs_file)
        digest = hashlib.sha256(data).hexdigest()[:16]
        target = cache / "valuesets" / f"{Path(literal).stem}-{digest}.xml"
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xml")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        sources.data[literal] = DataRef(literal, target, case_fixed=True, stand_in=True)
        provided.append(f"{literal} <- {item['pack_file']}")
    return provided
