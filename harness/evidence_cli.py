"""`segur-harness evidence verify|export` and `catalogue import`: the reviewer's and the editor's commands.

Exit codes (README): 0 all good; 1 differences found (a file altered, added or
missing, a signature that does not verify, a verdict that differs on rerun)
or, for import, catalogue defects;
2 usage or bad input (not a bundle, not a Convergence spreadsheet, a file that
cannot be written); 4 intact but the rerun could not judge like the run did.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_DIFFERENCES, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 4


def _say(message: str) -> None:
    sys.stderr.write(f"segur-harness: {message}\n")
    sys.stderr.flush()


def _bundle_header(bundle: Path) -> str:
    from segur_harness.evidence import MANIFEST, open_bundle

    with open_bundle(bundle) as archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
            metadata = json.loads(archive.read("metadata.json"))
        except (KeyError, ValueError, OSError):
            return f"{bundle} : bundle de preuves"
    source = metadata.get("source") or {}
    commit = f", commit {source['commit'][:12]}" if source.get("commit") else ""
    return (f"{bundle} : bundle format {manifest.get('format_version', 1)}, {len(manifest.get('files', []))} fichiers "
            f"listés, exécution du {metadata.get('started_at')}, harness {metadata.get('harness_version')}{commit}")


def verify(args: argparse.Namespace) -> int:
    from segur_harness.evidence import BundleError, check_bundle, signature_status

    if args.trust and not args.trust.is_file():
        _say(f"--trust {args.trust}: no such file (a PEM CA certificate)")
        return EXIT_USAGE
    try:
        differences = check_bundle(args.bundle)
        print(_bundle_header(args.bundle))
    except BundleError as exc:
        _say(str(exc))
        return EXIT_USAGE
    for difference in differences:
        print(difference.line())
    code = EXIT_DIFFERENCES if differences else EXIT_OK
    print(f"intégrité : {len(differences)} fichier(s) différent(s) du manifeste" if differences
          else "intégrité : chaque fichier correspond au manifeste")  # fmt: skip
    signature = signature_status(args.bundle, args.trust)
    print("signature : aucune (bundle non signé)" if signature is None else f"signature : {signature[1]}")
    if signature is not None and not signature[0]:
        code = EXIT_DIFFERENCES
    if args.rerun:
        code = max(code, _rerun(args))
    print(f"verdict : {'différences trouvées' if code == EXIT_DIFFERENCES else 'intact'} (exit {code})"
          if code != EXIT_INCOMPLETE else f"verdict : intact, rejeu incomplet (exit {code})")  # fmt: skip
    return code


def _rerun(args: argparse.Namespace) -> int:
    from segur_harness.evidence_rerun import rerun
    from segur_harness.validation import PackError, get_engine

    try:
        engine = get_engine(args.pack)
    except PackError as exc:
        _say(f"--pack {args.pack}: {exc}")
        raise SystemExit(EXIT_USAGE) from None
    result = rerun(args.bundle, engine)
    for warning in result.warnings:
        print(f"avertissement : {warning}")
    for difference in result.differences:
        print(f"verdict différent : {difference}")
    info = engine.info()
    pack = info.get("pack_commit") or info.get("pack")
    requests = result.requests
    documents = len(result.differences) - len(requests.differences)
    print(f"rejeu : {result.checked} document(s) revalidé(s) hors ligne (pack {pack}, règles d'en-tête "
          f"{info.get('harness_header_rules_version')}), {documents} verdict(s) différent(s)")
    services = ", ".join(f"{name} {count}" for name, count in sorted(requests.by_service.items()))
    print(f"rejeu des requêtes : {requests.checked} requête(s) rejugée(s) par le code des simulateurs"
          f"{f' ({services})' if services else ''}, {len(requests.skipped)} non rejouée(s) (réponse injectée, "
          f"refus du transport, état du fournisseur PSC, userinfo absent), {len(requests.differences)} verdict(s) "
          f"différent(s)" + (f", {len(requests.kept)} session(s) SMTP/IMAP aux constats conservés (TLS, STARTTLS, "
                             "certificat client : faits du réseau absents du bundle)" if requests.kept else ""))
    if result.incomplete:
        print(f"rejeu incomplet : {result.incomplete}")
    if result.differences:
        return EXIT_DIFFERENCES
    return EXIT_INCOMPLETE if result.incomplete else EXIT_OK


def _run_lines(metadata: dict[str, Any], summary: dict[str, Any], bundle: Path) -> list[tuple[str, str]]:
    sut = (metadata.get("sut") or {}).get("info") or {}
    source = metadata.get("source") or {}
    return [
        ("Bundle", str(bundle)), ("Verdict de l'exécution", str(summary.get("verdict"))),
        ("Début", str(metadata.get("started_at"))), ("Fin", str(metadata.get("ended_at"))),
        ("Logiciel testé", f"{sut.get('product', '?')} {sut.get('version', '')} ({sut.get('vendor', '')})"),
        ("Version du harness", str(metadata.get("harness_version"))),
        ("Commit du harness", str(source.get("commit") or "inconnu")),
        ("Version du catalogue", str(metadata.get("catalogue_version"))),
        ("Moteur de validation CDA", json.dumps(metadata.get("validation_engine"), ensure_ascii=False)),
    ]  # fmt: skip


def export(args: argparse.Namespace) -> int:
    from segur_harness.convergence import rows_from_requirements, write_xlsx
    from segur_harness.evidence import BundleError, check_bundle, open_bundle

    try:
        differences = check_bundle(args.bundle)
    except BundleError as exc:
        _say(str(exc))
        return EXIT_USAGE
    if differences:
        for difference in differences:
            print(difference.line())
        _say(f"{args.bundle} : le bundle ne correspond plus à son manifeste ({len(differences)} fichier(s)) : "
             "tableur non écrit")  # fmt: skip
        return EXIT_DIFFERENCES
    with open_bundle(args.bundle) as archive:
        names = set(archive.namelist())
        if "requirements.json" not in names:
            _say(f"{args.bundle} : bundle de format 1, sans index des preuves (requirements.json) : "
                 "relancez l'exécution avec cette version du harness")  # fmt: skip
            return EXIT_USAGE
        requirements = json.loads(archive.read("requirements.json"))["requirements"]
        metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
        summary = json.loads(archive.read("summary.json")) if "summary.json" in names else {}
    details = {}
    for scenario in summary.get("scenarios", []):
        if scenario.get("scenario_id") and scenario.get("messages") and scenario.get("status") != "passed":
            details.setdefault(scenario["scenario_id"], str(scenario["messages"][0]).splitlines()[0][:500])
    rows = rows_from_requirements(requirements, details)
    try:
        write_xlsx(args.xlsx, rows, _run_lines(metadata, summary, args.bundle))
    except OSError as exc:
        _say(f"--xlsx {args.xlsx}: cannot write the file ({exc.strerror or exc})")
        return EXIT_USAGE
    print(f"{args.xlsx} : {len(rows)} ligne(s), une par preuve, de {len(requirements)} exigence(s)")
    return EXIT_OK


def catalogue_import(args: argparse.Namespace) -> int:
    from segur_harness.catalogue import load_catalogue
    from segur_harness.catalogue_toml import catalogue_files
    from segur_harness.convergence import SpreadsheetError, read_rem

    if not args.file.is_file():
        _say(f"{args.file} : fichier introuvable")
        return EXIT_USAGE
    try:
        requirements = read_rem(args.file)
    except SpreadsheetError as exc:
        _say(str(exc))
        return EXIT_USAGE
    out: Path = args.out
    files = catalogue_files(requirements, version=args.catalogue_version or f"import-{args.file.stem}",
                            title=f"Exigences importées de {args.file.name}", origin=args.file.name)  # fmt: skip
    existing = sorted(name for name in files if (out / name).exists())
    if existing and not args.force:
        _say(f"--out {out}: would overwrite {', '.join(existing)} (use --force, or another --out)")
        return EXIT_USAGE
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        _say(f"--out {out}: cannot write the catalogue ({exc.strerror or exc})")
        return EXIT_USAGE
    catalogue = load_catalogue(out)
    scenarios = sum(len(r.scenarios) for r in catalogue.requirements)
    proofs = sum(len(s.proofs) for r in catalogue.requirements for s in r.scenarios)
    for problem in catalogue.problems:
        print(f"catalogue : {problem}")
    print(f"{out} : {len(catalogue.requirements)} exigence(s), {scenarios} scénario(s), {proofs} preuve(s) dans "
          f"{len(files) - 1} fichier(s) de section, {len(catalogue.problems)} défaut(s)")  # fmt: skip
    return EXIT_DIFFERENCES if catalogue.problems else EXIT_OK
