"""The recorded selfcheck matrix and the short selfcheck's plan (harness/selfcheck_plan.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from segur_harness.features_index import index_features
from segur_harness.selfcheck import defect_names
from segur_harness.selfcheck_plan import (
    RecordError,
    load_recorded,
    save_recorded,
    selected_scenarios,
    short_plan,
)
from tests.harness.test_cli import assert_one_line_error, segur


def test_the_plan_covers_every_scenario_with_few_variants():
    recorded = {"A": ["d1", "d2"], "B": ["d2"], "C": ["d3", "d2"], "D": ["d1"], "E": ["gone"]}
    plan = short_plan(recorded, ["A", "B", "C", "D", "E", "F"], {"d1", "d2", "d3"})
    assert plan.assignments == {"d2": ["A", "B", "C"], "d1": ["D"]}
    assert plan.unrecorded == ["E", "F"]  # a defect that no longer exists covers nothing


def test_only_selected_scenarios_are_planned():
    chosen = selected_scenarios("REQ_INS_va1_49")
    assert chosen and all(sid.startswith("INS/va1.49.") for sid in chosen)
    assert len(selected_scenarios(None)) > len(chosen)


def test_the_recorded_matrix_knows_every_scenario_and_defect():
    """The short selfcheck is only as good as its record: a new scenario or defect needs `--full --record`."""
    recorded = load_recorded()
    scenarios, _problems = index_features()
    ids = {s.scenario_id for s in scenarios if s.scenario_id}
    defects = set(defect_names())
    assert sorted(ids - set(recorded)) == [], "not recorded: run `segur-harness selfcheck --full --record`"
    assert sorted(set(recorded) - ids) == [], "recorded scenarios that no feature declares any more"
    assert [sid for sid in sorted(ids) if not recorded[sid]] == [], "scenarios that no defect fails"
    named = {d for killers in recorded.values() for d in killers}
    assert sorted(named - defects) == [], "recorded defects the reference SUT no longer has"
    assert sorted(defects - named) == [], "defects that no scenario catches"


def test_recording_merges_and_a_bad_record_is_one_line(tmp_path: Path):
    target = tmp_path / "kills.json"
    save_recorded({"A": ["d2", "d1"]}, "v1", target)
    save_recorded({"B": []}, "v2", target)
    assert load_recorded(target) == {"A": ["d1", "d2"], "B": []}
    target.write_text("{", encoding="utf-8")
    with pytest.raises(RecordError, match="kills.json: not a recorded selfcheck matrix"):
        load_recorded(target)


def test_record_refuses_a_partial_defect_list(isolated_env: dict[str, str]):
    assert_one_line_error(segur("selfcheck", "--record", "--defect", "key-not-checked", env=isolated_env),
                          "--record needs every defect")
