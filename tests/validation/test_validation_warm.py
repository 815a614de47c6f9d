"""The worker pool compiles ahead and sends each document to the worker that holds its schematron.

Without it, the run's first N1 document waited ~10 s for StrucMin, and a
schematron could be compiled twice (once per worker) in one run.
"""

from __future__ import annotations

from pathlib import Path

from segur_harness.validation.pack import open_pack
from segur_harness.validation.paths import cache_dir
from segur_harness.validation.workers import WorkerPool
from tests.validation.validation_helpers import MINIMAL_CDA


def test_warmed_schematrons_are_compiled_once_and_reused(cisis_pack: Path):
    pack = open_pack(cisis_pack)
    ldl = pack.schematron_dir / "CI-SIS_LDL-SES_2022.01.sch"
    vac = pack.schematron_dir / "CI-SIS_VAC-NOTE_2023.01.sch"
    pool = WorkerPool(pack.root, cache_dir(), size=2, compile_timeout=300)
    try:
        pool.warm({ldl})
        pool.warm({vac})  # each warm call starts one worker, within the pool's size
        pool.warm({ldl, vac})  # the pool is full: nothing more starts
        assert pool._started == 2
        for sch in (vac, ldl, vac, ldl):
            assert pool.evaluate(sch, MINIMAL_CDA, 120).svrl
        holders = {sch.name: [w for w in pool._all if sch in w.compiled] for sch in (ldl, vac)}
        assert [len(h) for h in holders.values()] == [1, 1], holders  # each compiled by one worker only
        assert pool._started == 2 and pool.replaced == 0
    finally:
        pool.close()
