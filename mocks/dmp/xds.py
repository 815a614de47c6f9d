"""The DMP mock's XDS transactions: ITI-41, ITI-18, ITI-43, ITI-57 (orchestration only).

The transport (service.py) hands over a verified DmpContext; this module
parses and checks the metadata (metadata.py), validates every CDA through
the run's validation service, and reads/writes the registry in one
transaction per request (registry_store.py). Every problem is a finding of
the exchange; blocking ones are answered with the registry's real error shapes.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.checks import Checks

from . import queries
from .context import DmpAnswer, DmpContext
from .metadata import (
    Submission,
    ValueSets,
    cda_replaced_ids,
    check_documents,
    check_entry,
    check_submission,
    forbidden_confidentiality,
    parse_patient_id,
    parse_submission,
    valueset_data,
)
from .protocol import (
    HAS_MEMBER,
    IDENTIFIER,
    ITI18,
    ITI41,
    ITI43,
    ITI57,
    NS_LCM,
    NS_XDSB,
    RPLC,
    STATUS_APPROVED,
    STATUS_ARCHIVED,
    STATUS_DELETED,
    STATUS_DEPRECATED,
    UPDATE_AVAILABILITY,
)
from .records import DocumentEntry
from .registry_store import FIXTURES_FILE, RegistryStore, Tx, reset
from .responses import XdsError, query_response, registry_response, retrieve_response, xds_error

DEFAULT_REPOSITORY = "1.2.250.1.213.1.1.9.1"
NEW_STATUSES = (STATUS_APPROVED, STATUS_DELETED, STATUS_ARCHIVED)


class _Rollback(Exception):
    """Registry-level refusal inside the transaction: undo everything written."""

    def __init__(self, errors: list[XdsError]) -> None:
        super().__init__(errors[0].message if errors else "")
        self.errors = errors


def record(checks: Checks, errors: list[XdsError]) -> list[XdsError]:
    """Findings for every problem (duplicates once); returns the blocking ones, in order."""
    seen: set[tuple[str, str]] = set()
    blocking = []
    for error in errors:
        if (error.rule, error.message) in seen:
            continue
        seen.add((error.rule, error.message))
        checks.add(error.severity, error.rule, error.message, error.location)
        if error.severity == "error":
            blocking.append(error)
    return blocking


class Xds:
    """Entry point the transport calls, one method per transaction."""

    def __init__(self, cfg: dict, store_path: Path, patient_status: Callable[[str, str], str] | None = None) -> None:
        from segur_harness.config import cisis_pack_dir

        self.cfg = cfg
        self.dmp: dict[str, Any] = cfg.get("mocks", {}).get("dmp", {}) if "mocks" in cfg else cfg
        self.store = RegistryStore(store_path)
        self.patient_status = patient_status
        self.repository_id = str(self.dmp.get("repository_unique_id", DEFAULT_REPOSITORY))
        self.fixtures = Path(self.dmp.get("documents_file") or FIXTURES_FILE)
        valuesets_file = self.dmp.get("valuesets_file")
        data = valueset_data(Path(valuesets_file)) if valuesets_file else valueset_data()
        try:
            pack = cisis_pack_dir(cfg=cfg)
        except Exception:  # noqa: BLE001 - a broken pack path means "no pack", reported per check
            pack = None
        self.value_sets = ValueSets(pack, data)
        self.limits = {k: self.dmp[k] for k in ("max_entries_per_submission", "max_objects_per_submission")
                       if k in self.dmp}
        self._engine: Any = None
        reset(self.store, self.fixtures, only_if_empty=True, repository=self.repository_id)

    def reset(self) -> None:
        reset(self.store, self.fixtures, repository=self.repository_id)

    # --- helpers -------------------------------------------------------------------------------------------

    def _dmp_status(self, patient_id: str, checks: Checks) -> str:
        """OUVERT | FERME | ABSENT from the transport's patient state (every patient open without one)."""
        parsed = parse_patient_id(patient_id)
        if parsed is None:
            return "ABSENT"
        if self.patient_status is None:
            return "OUVERT"
        try:
            return self.patient_status(*parsed)
        except Exception as exc:  # noqa: BLE001 - the patient state failing is the mock's problem, not the SUT's
            record(checks, [xds_error("DMP-XDS-033", patient=patient_id, detail=f"{type(exc).__name__}: {exc}")])
            return "OUVERT"

    def _engine_for(self, mode: str) -> Any:
        if self._engine is None:
            if mode == "in-process":
                from segur_harness.validation import get_engine

                self._engine = get_engine()
            else:
                from segur_harness.validation.remote import RemoteEngine

                self._engine = RemoteEngine(self._validator_url(),
                                            timeout=float(self.dmp.get("cda_validation_timeout", 60)))
        return self._engine

    def _validator_url(self) -> str:
        """[mocks.dmp] validator_url, else the run's SEGUR_VALIDATOR_URL; empty = no service."""
        return str(self.dmp.get("validator_url") or os.environ.get("SEGUR_VALIDATOR_URL") or "")

    def _validate_cdas(self, checks: Checks, sub: Submission, found: dict[str, Any]) -> list[XdsError]:
        """Each received CDA through the harness's CDA engine; its errors are findings, maybe a refusal."""
        from segur_harness.validation.remote import ValidationServiceError

        mode = str(self.dmp.get("cda_validation", "service"))
        errors: list[XdsError] = []
        for entry_uuid, (data, cda) in found.items():
            name = sub.original_id.get(entry_uuid, entry_uuid)
            if cda is None:
                continue
            if mode == "off":
                errors.append(xds_error("DMP-CDA-003", document=name, reason="désactivée ([mocks.dmp] cda_validation)"))
                continue
            if mode == "service" and not self._validator_url():
                errors.append(xds_error("DMP-CDA-003", document=name,
                                        reason="pas de service de validation (SEGUR_VALIDATOR_URL absent)"))
                continue
            try:
                result = self._engine_for(mode).validate_document(data, f"{name}.xml")
            except ValidationServiceError as exc:
                errors.append(xds_error("DMP-CDA-002", document=name, detail=str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - an engine failure is never the SUT's fault
                errors.append(xds_error("DMP-CDA-002", document=name, detail=f"{type(exc).__name__}: {exc}"))
                continue
            for finding in result.findings:
                checks.add(finding.severity.value, f"DMP-CDA-{finding.rule_id}", f"{name} : {finding.message}",
                           finding.xpath or "")
            errors.append(xds_error("DMP-CDA-005", document=name, verdict=_verdict(result)))
            if result.partial:
                errors.append(xds_error("DMP-CDA-004", document=name))
            failed = result.errors
            if failed and self.dmp.get("reject_invalid_cda", True):
                named = " ; ".join(f"{f.rule_id} {f.message}"[:200] for f in failed[:3])
                errors.append(xds_error("DMP-CDA-001", document=name, count=len(failed), errors=named,
                                        location=name))
        return errors

    # --- ITI-41 --------------------------------------------------------------------------------------------

    def provide_and_register(self, ctx: DmpContext) -> DmpAnswer:
        body = ctx.soap.body_child
        sor = body.find(f"{{{NS_LCM}}}SubmitObjectsRequest") if body.tag == ITI41.body_tag else None
        if sor is None:
            errors = [xds_error("DMP-XDS-001", detail=f"{ITI41.body_tag} contenant lcm:SubmitObjectsRequest attendu")]
            return self._registry_answer(ctx, errors, ITI41.name)
        sub = parse_submission(sor, self.limits)
        errors = check_submission(sub, self.value_sets)
        if sub.errors:
            return self._registry_answer(ctx, errors, ITI41.name)
        doc_errors, found = check_documents(sub, ctx.documents)
        errors += doc_errors
        sset = sub.submission_set
        if sset is not None and parse_patient_id(sset.patient_id) is not None:
            status = self._dmp_status(sset.patient_id, ctx.checks)
            if status != "OUVERT":
                errors.append(xds_error("DMP-XDS-009", patient=sset.patient_id, status=status))
        errors += self._validate_cdas(ctx.checks, sub, found)
        for entry in sub.entries:  # the repository, not the source, owns this attribute (ITI TF-3 4.2.3.2)
            sent = entry.slot("repositoryUniqueId")
            if sent and sent != self.repository_id:
                errors.append(xds_error("DMP-XDS-036", sent=sent, expected=self.repository_id,
                                        object=sub.original_id.get(entry.entry_uuid, entry.entry_uuid)))
            entry.slots["repositoryUniqueId"] = [self.repository_id]
        if not any(e.severity == "error" for e in errors):
            errors += self._in_transaction(lambda tx: self._register(tx, sub, found))
        return self._registry_answer(ctx, errors, ITI41.name)

    def _register(self, tx: Tx, sub: Submission, found: dict[str, Any]) -> list[XdsError]:
        """Registry checks needing the stored state, then the writes (caller rolls back on an error)."""
        errors: list[XdsError] = []
        seen_unique: dict[str, str] = {}
        for entry in sub.entries:
            label = sub.original_id.get(entry.entry_uuid, entry.entry_uuid)
            existing = tx.documents_by_unique_id(entry.unique_id)
            if existing or entry.unique_id in seen_unique:
                other = existing[0].entry_uuid if existing else seen_unique[entry.unique_id]
                errors.append(xds_error("DMP-XDS-021", unique_id=entry.unique_id, existing=other, location=label))
            seen_unique[entry.unique_id] = entry.entry_uuid
            if tx.exists(entry.entry_uuid):
                errors.append(xds_error("DMP-XDS-028", entry=entry.entry_uuid, location=label))
        local = {e.entry_uuid for e in sub.entries} | {s.entry_uuid for s in sub.sets}
        replaced: dict[str, DocumentEntry] = {}
        for assoc in sub.associations:
            if assoc.type == RPLC:
                errors += self._check_rplc(tx, sub, found, assoc.source, assoc.target, replaced)
            elif assoc.type == HAS_MEMBER:
                for ref in (assoc.source, assoc.target):
                    if ref not in local and not tx.exists(ref):
                        errors.append(xds_error("DMP-XDS-030", association=assoc.entry_uuid, type="HasMember",
                                                ref=ref))
        for entry in sub.entries:
            _data, cda = found.get(entry.entry_uuid, (None, None))
            declared = cda_replaced_ids(cda) if cda is not None else []
            linked = {r.unique_id for src, r in replaced.items() if src == entry.entry_uuid}
            for parent in declared:
                if parent not in linked and any(d.patient_id == entry.patient_id
                                                for d in tx.documents_by_unique_id(parent)):
                    errors.append(xds_error("DMP-XDS-032", document=sub.original_id.get(entry.entry_uuid, ""),
                                            parent=parent))
        if any(e.severity == "error" for e in errors):
            return errors
        for sset in sub.sets:
            tx.add_submission_set(sset)
        for entry in sub.entries:
            entry.status = STATUS_APPROVED
            tx.add_document(entry, found[entry.entry_uuid][0])
        for target in replaced.values():
            target.status = STATUS_DEPRECATED
            tx.save_document(target)
        for assoc in sub.associations:
            tx.add_association(assoc)
        return errors

    def _check_rplc(self, tx: Tx, sub: Submission, found: dict[str, Any], source: str, target_uuid: str,
                    replaced: dict[str, DocumentEntry]) -> list[XdsError]:
        entry = next((e for e in sub.entries if e.entry_uuid == source), None)
        target = tx.document(target_uuid)
        if entry is None:
            return [xds_error("DMP-XDS-030", association="RPLC", type="RPLC", ref=source)]
        if target is None or target.status == STATUS_DELETED:
            return [xds_error("DMP-XDS-022", target=target_uuid, reason="est inconnu du DMP")]
        if target.status != STATUS_APPROVED:
            return [xds_error("DMP-XDS-022", target=target_uuid,
                              reason=f"n'est pas au statut Approved ({target.status})")]
        if target.patient_id != entry.patient_id:
            error = xds_error("DMP-XDS-022", target=target_uuid,
                              reason=f"concerne un autre patient ({target.patient_id})")
            error.code = "XDSPatientIdDoesNotMatch"
            return [error]
        _data, cda = found.get(entry.entry_uuid, (None, None))
        errors = []
        if cda is not None:
            parents = cda_replaced_ids(cda)
            if target.unique_id not in parents:
                errors.append(xds_error("DMP-XDS-023", document=sub.original_id.get(source, source),
                                        cda=", ".join(parents) or "absent", expected=target.unique_id))
        replaced[source] = target
        return errors

    # --- ITI-18 --------------------------------------------------------------------------------------------

    def stored_query(self, ctx: DmpContext) -> DmpAnswer:
        body = ctx.soap.body_child
        return_type = "ObjectRef"
        objects: list[Any] = []
        errors: list[XdsError] = []
        try:
            if body.tag != ITI18.body_tag:
                raise queries.QueryError(xds_error("DMP-QRY-001", query=body.tag))
            query = queries.parse_query(body)
            return_type = query.return_type
            patient = query.single("$XDSDocumentEntryPatientId") or query.single("$XDSSubmissionSetPatientId")
            if patient is not None:
                status = self._dmp_status(patient, ctx.checks)
                if status != "OUVERT":
                    raise queries.QueryError(xds_error("DMP-XDS-009", patient=patient, status=status))
            with self.store.transaction() as tx:
                objects = queries.run(query, tx, ctx.vihf)
            errors.append(xds_error("DMP-QRY-007", query=query.name, count=len(objects), return_type=return_type))
        except queries.QueryError as exc:
            errors.append(exc.error)
        except sqlite3.Error as exc:
            errors.append(xds_error("DMP-XDS-034", detail=f"{type(exc).__name__}: {exc}"))
        blocking = record(ctx.checks, errors)
        return DmpAnswer(query_response(objects, return_type, blocking), ITI18.name)

    # --- ITI-43 --------------------------------------------------------------------------------------------

    def retrieve(self, ctx: DmpContext) -> DmpAnswer:
        body = ctx.soap.body_child
        requests = body.findall(f"{{{NS_XDSB}}}DocumentRequest") if body.tag == ITI43.body_tag else []
        errors: list[XdsError] = []
        found: list[tuple[str, DocumentEntry, str]] = []
        attachments: dict[str, tuple[str, bytes]] = {}
        if not requests:
            errors.append(xds_error("DMP-RET-003", detail="aucun xdsb:DocumentRequest"))
        limit = int(self.dmp.get("max_retrieve_documents", 50))
        if len(requests) > limit:
            errors.append(xds_error("DMP-QRY-006", param="DocumentRequest", count=len(requests), max=limit))
            requests = []
        with self.store.transaction() as tx:
            for request in requests:
                repository = (request.findtext(f"{{{NS_XDSB}}}RepositoryUniqueId") or "").strip()
                unique_id = (request.findtext(f"{{{NS_XDSB}}}DocumentUniqueId") or "").strip()
                if repository != self.repository_id:
                    errors.append(xds_error("DMP-RET-002", repository=repository or "(vide)",
                                            expected=self.repository_id, location=unique_id))
                    continue
                entry = _retrievable(tx.documents_by_unique_id(unique_id), ctx)
                data = tx.document_bytes(entry.entry_uuid) if entry is not None else None
                if entry is None or data is None:
                    errors.append(xds_error("DMP-RET-001", unique_id=unique_id or "(vide)", repository=repository,
                                            location=unique_id))
                    continue
                cid = f"doc{len(found) + 1}.{uuid.uuid4().hex}@dmp.mock"
                attachments[cid] = (entry.mime_type, data)
                found.append((repository, entry, cid))
        blocking = record(ctx.checks, errors)
        return DmpAnswer(retrieve_response(found, blocking), ITI43.name, attachments=attachments)

    # --- ITI-57 --------------------------------------------------------------------------------------------

    def update_document_set(self, ctx: DmpContext) -> DmpAnswer:
        body = ctx.soap.body_child
        if body.tag != ITI57.body_tag:
            return self._registry_answer(ctx, [xds_error("DMP-XDS-001", detail="lcm:SubmitObjectsRequest attendu")],
                                         ITI57.name)
        sub = parse_submission(body, self.limits)
        errors = list(sub.errors)
        if not errors and len(sub.sets) != 1:
            errors.append(xds_error("DMP-XDS-027", count=len(sub.sets)))
        elif not errors and parse_patient_id(sub.sets[0].patient_id) is not None:
            status = self._dmp_status(sub.sets[0].patient_id, ctx.checks)
            if status != "OUVERT":
                errors.append(xds_error("DMP-XDS-009", patient=sub.sets[0].patient_id, status=status))
        if not any(e.severity == "error" for e in errors):
            errors += self._in_transaction(lambda tx: self._update(tx, sub))
        return self._registry_answer(ctx, errors, ITI57.name)

    def _in_transaction(self, work: Callable[[Tx], list[XdsError]]) -> list[XdsError]:
        """`work` in one registry transaction, rolled back when it finds a blocking error (or SQLite fails)."""
        try:
            with self.store.transaction() as tx:
                found = work(tx)
                if any(e.severity == "error" for e in found):
                    raise _Rollback(found)
                return found
        except _Rollback as refused:
            return refused.errors
        except sqlite3.Error as exc:
            return [xds_error("DMP-XDS-034", detail=f"{type(exc).__name__}: {exc}")]

    def _update(self, tx: Tx, sub: Submission) -> list[XdsError]:
        sset = sub.sets[0]
        errors: list[XdsError] = []
        if parse_patient_id(sset.patient_id) is None:
            errors.append(xds_error("DMP-XDS-007", value=sset.patient_id or "(vide)", object="SubmissionSet",
                                    oids="INS"))
            return errors
        updates = [a for a in sub.associations if a.type == UPDATE_AVAILABILITY]
        if not updates and not sub.entries:
            return [xds_error("DMP-UPD-007")]
        for assoc in updates:
            errors += self._availability(tx, sset.patient_id, assoc)
        members = {a.target: a for a in sub.associations if a.type == HAS_MEMBER and a.source == sset.entry_uuid}
        for entry in sub.entries:
            errors += self._new_version(tx, sub, sset.patient_id, entry, members.get(entry.entry_uuid))
        if any(e.severity == "error" for e in errors):
            return errors
        tx.add_submission_set(sset)
        for assoc in sub.associations:
            tx.add_association(assoc)
        return errors

    def _availability(self, tx: Tx, patient_id: str, assoc: Any) -> list[XdsError]:
        target = tx.document(assoc.target)
        if target is None or target.status == STATUS_DELETED:  # a deletion is final: the entry is gone
            return [xds_error("DMP-UPD-001", entry=assoc.target)]
        if target.patient_id != patient_id:
            return [xds_error("DMP-UPD-005", entry=assoc.target, actual=target.patient_id, expected=patient_id)]
        original, new = assoc.slots.get("OriginalStatus"), assoc.slots.get("NewStatus")
        for slot, value in (("OriginalStatus", original), ("NewStatus", new)):
            if not value or not value[0]:
                return [xds_error("DMP-UPD-009", slot=slot, association=assoc.entry_uuid)]
        if original[0] != target.status:
            return [xds_error("DMP-UPD-002", entry=assoc.target, actual=target.status, original=original[0])]
        if new[0] not in NEW_STATUSES or target.status == STATUS_DEPRECATED:
            return [xds_error("DMP-UPD-003", value=new[0], allowed=", ".join(NEW_STATUSES))]
        target.status = new[0]
        tx.save_document(target)
        return []

    def _new_version(self, tx: Tx, sub: Submission, patient_id: str, entry: DocumentEntry,
                     member: Any) -> list[XdsError]:
        label = f"DocumentEntry {sub.original_id.get(entry.entry_uuid, entry.entry_uuid)}"
        versions = tx.documents_by_lid(entry.lid) if entry.lid != entry.entry_uuid else []
        if not versions and entry.unique_id:
            versions = tx.documents_by_unique_id(entry.unique_id)
        current = next((v for v in reversed(versions) if v.status == STATUS_APPROVED), None)
        if not versions:
            return [xds_error("DMP-UPD-001", entry=entry.lid or label)]
        if current is None:
            return [xds_error("DMP-UPD-002", entry=versions[-1].entry_uuid, actual=versions[-1].status,
                              original=STATUS_APPROVED)]
        if current.patient_id != patient_id or entry.patient_id != patient_id:
            return [xds_error("DMP-UPD-005", entry=current.entry_uuid, actual=current.patient_id,
                              expected=entry.patient_id or patient_id)]
        previous = member.slots.get("PreviousVersion") if member is not None else None
        if not previous:
            return [xds_error("DMP-UPD-009", slot="PreviousVersion", association=f"HasMember → {label}")]
        if previous[0] != str(current.version):
            return [xds_error("DMP-UPD-006", entry=current.entry_uuid, given=previous[0], current=current.version)]
        if entry.unique_id != current.unique_id:
            return [xds_error("DMP-UPD-008", entry=current.entry_uuid, attribute="uniqueId", old=current.unique_id,
                              new=entry.unique_id or "(vide)")]
        if forbidden_confidentiality(entry.dmp_confidentiality):
            return [xds_error("DMP-UPD-004", entry=current.entry_uuid)]
        if tx.exists(entry.entry_uuid):
            return [xds_error("DMP-XDS-028", entry=entry.entry_uuid)]
        for slot in ("hash", "size", "repositoryUniqueId"):
            if not entry.slot(slot) and current.slot(slot):
                entry.slots[slot] = list(current.slots[slot])
        if entry.slot("hash") != current.slot("hash"):
            return [xds_error("DMP-UPD-008", entry=current.entry_uuid, attribute="hash", old=current.slot("hash"),
                              new=entry.slot("hash"))]
        errors = [e for e in check_entry(entry, label, self.value_sets) if e.rule != "DMP-XDS-020"]
        if any(e.severity == "error" for e in errors):
            return errors
        entry.lid, entry.version, entry.status = current.lid, current.version + 1, STATUS_APPROVED
        entry.submission_set = sub.sets[0].entry_uuid
        current.status = STATUS_DEPRECATED
        tx.save_document(current)
        tx.add_document(entry, None)
        return errors

    # --- common --------------------------------------------------------------------------------------------

    def _registry_answer(self, ctx: DmpContext, errors: list[XdsError], operation: str) -> DmpAnswer:
        blocking = record(ctx.checks, errors)
        return DmpAnswer(registry_response(blocking), operation)

    def patient_ids_of_request(self, ctx: DmpContext) -> set[str]:
        """Patient ids the request concerns, so the transport can compare them with the VIHF resource-id."""
        body = ctx.soap.body_child
        try:
            if body.tag == ITI41.body_tag:
                sor = body.find(f"{{{NS_LCM}}}SubmitObjectsRequest")
                return _declared_patients(sor) if sor is not None else set()
            if body.tag == ITI18.body_tag:
                query = queries.parse_query(body)
                with self.store.transaction() as tx:
                    return queries.patient_ids(query, tx)
            if body.tag == ITI43.body_tag:
                ids = [(r.findtext(f"{{{NS_XDSB}}}DocumentUniqueId") or "").strip()
                       for r in body.findall(f"{{{NS_XDSB}}}DocumentRequest")][:50]
                with self.store.transaction() as tx:
                    return {e.patient_id for uid in ids for e in tx.documents_by_unique_id(uid)}
            if body.tag == ITI57.body_tag:
                out = _declared_patients(body)
                targets = [a.get("targetObject") or "" for a in body.iter("{*}Association")][:100]
                with self.store.transaction() as tx:
                    out |= {e.patient_id for e in (tx.document(t) for t in targets) if e is not None}
                return out
        except queries.QueryError:
            return set()
        return set()


def _declared_patients(sor: etree._Element) -> set[str]:
    schemes = {IDENTIFIER["entryPatientId"], IDENTIFIER["setPatientId"]}
    out = set()
    for count, ext in enumerate(sor.iter("{*}ExternalIdentifier")):
        if count > 10_000:
            break
        if ext.get("identificationScheme") in schemes:
            out.add((ext.get("value") or "").strip())
    return out


def _retrievable(entries: list[DocumentEntry], ctx: DmpContext) -> DocumentEntry | None:
    """The version of a uniqueId the caller may retrieve: the current one first, never a deleted or hidden one."""
    candidates = [e for e in entries if queries.visible(e, ctx.vihf)]
    current = [e for e in candidates if e.status == STATUS_APPROVED]
    return (current or candidates or [None])[-1]


def _verdict(result: Any) -> str:
    """One line a reviewer reads: valid or not, counts, which schematron and rule versions judged it."""
    counts = {"error": 0, "warning": 0}
    for finding in result.findings:
        if finding.severity.value in counts:
            counts[finding.severity.value] += 1
    versions = ", ".join(f"{k}={v}" for layer in result.layers for k, v in sorted(layer.rules_version.items()))
    recognised = ", ".join(f"{k}={v}" for k, v in sorted(result.document.items()) if v)
    state = "conforme" if result.valid else "non conforme"
    return (f"{state}{' (validation partielle)' if result.partial else ''} : {counts['error']} erreur(s), "
            f"{counts['warning']} avertissement(s) ; {recognised or 'document non reconnu'} ; règles : "
            f"{versions or 'aucune'}")
