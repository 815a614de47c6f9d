from pathlib import Path

from segur_harness.config import load_config


def test_defaults_load_with_every_section():
    cfg = load_config({})
    assert cfg["mocks"]["host"] == "127.0.0.1"
    assert cfg["mocks"]["insi"]["port"] == 18081
    assert cfg["sut"]["port"] == 18090


def test_env_overrides_are_typed_and_nested():
    cfg = load_config({"SEGUR__MOCKS__INSI__PORT": "19999", "SEGUR__REPORTS__HTML": "false", "SEGUR__SUT__IDAM": "X-1"})
    assert cfg["mocks"]["insi"]["port"] == 19999
    assert cfg["reports"]["html"] is False
    assert cfg["sut"]["idam"] == "X-1"


def test_user_file_is_merged_over_defaults(tmp_path: Path):
    user = tmp_path / "mine.toml"
    user.write_text('[mocks.insi]\naccepted_idam = ["EDITEUR-42"]\n', encoding="utf-8")
    cfg = load_config({"SEGUR_CONFIG": str(user)})
    assert cfg["mocks"]["insi"]["accepted_idam"] == ["EDITEUR-42"]
    assert cfg["mocks"]["insi"]["port"] == 18081  # untouched keys keep their defaults


def test_a_named_reference_location_is_never_replaced_by_another(monkeypatch, tmp_path: Path):
    from segur_harness.config import cisis_pack_dir, insi_wsdl_dir
    from segur_harness.validation.pack import locate_pack

    monkeypatch.setenv("SEGUR_CISIS_PACK", str(tmp_path / "missing-pack"))
    monkeypatch.setenv("SEGUR_INSI_WSDL_DIR", str(tmp_path / "missing-wsdl"))
    assert cisis_pack_dir() is None
    assert locate_pack() is None
    assert insi_wsdl_dir() is None
    monkeypatch.setenv("SEGUR_CISIS_PACK", str(tmp_path))
    assert cisis_pack_dir() == tmp_path.resolve()
