from pathlib import Path

import pytest

from segur_harness.config import ConfigError, load_config


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


@pytest.mark.parametrize(("environ", "fragments"), [
    ({"SEGUR__MOCKS__INSI__PORT": "abc"}, ["SEGUR__MOCKS__INSI__PORT", "integer from 1 to 65535", "'abc'"]),
    ({"SEGUR__MOCKS__DMP__PORT": "0"}, ["SEGUR__MOCKS__DMP__PORT", "from 1 to 65535", "got 0"]),
    ({"SEGUR__SELFCHECK__LANES": "-1"}, ["SEGUR__SELFCHECK__LANES", "from 1"]),
    ({"SEGUR__REPORTS__HTML": "perhaps"}, ["SEGUR__REPORTS__HTML", "true or false"]),
    ({"SEGUR__MOCKS__INSI__ACCEPTED_IDAM": "X"}, ["SEGUR__MOCKS__INSI__ACCEPTED_IDAM", "list"]),
    ({"SEGUR__MOKS__INSI__PORT": "1"}, ["unknown section [moks]", "mocks"]),
    ({"SEGUR__MOCKS__NOSUCHMOCK__PORT": "1"}, ["unknown section [mocks.nosuchmock]", "insi"]),
    ({"SEGUR__MOCKS__INSI": "1"}, ["SEGUR__MOCKS__INSI", "section"]),
    ({"SEGUR_CONFIG": "/nonexistent.toml"}, ["SEGUR_CONFIG=/nonexistent.toml", "no such file"]),
])  # fmt: skip
def test_configuration_mistakes_name_the_key_and_what_was_expected(environ: dict[str, str],
                                                                   fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_env_values_take_the_type_of_their_default() -> None:
    cfg = load_config({"SEGUR__SUT__IDAM": "12345", "SEGUR__SUT__INSI_TIMEOUT_SECONDS": "3",
                       "SEGUR__MOCKS__DMP__CDA_VALIDATION_TIMEOUT": "30"})  # fmt: skip
    assert cfg["sut"]["idam"] == "12345"  # a string setting stays a string
    assert cfg["sut"]["insi_timeout_seconds"] == 3  # keys without default keep TOML scalar parsing
    assert cfg["mocks"]["dmp"]["cda_validation_timeout"] == 30


def test_user_file_mistakes_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[mocks\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config({"SEGUR_CONFIG": str(bad)})
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[sut]\nport = 99999\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wrong.toml: sut.port: expected an integer from 1 to 65535, got 99999"):
        load_config({"SEGUR_CONFIG": str(wrong)})
    with pytest.raises(ConfigError, match="is a folder"):
        load_config({"SEGUR_CONFIG": str(tmp_path)})


def test_a_named_reference_dir_that_is_missing_is_not_replaced(monkeypatch, tmp_path: Path) -> None:
    from segur_harness.config import check_named_locations, named_location_problems, reference_dir

    monkeypatch.setenv("SEGUR_REFERENCE_DIR", str(tmp_path / "absent"))
    assert reference_dir() is None
    assert named_location_problems() == [f"SEGUR_REFERENCE_DIR={tmp_path / 'absent'}: no such folder"]
    with pytest.raises(ConfigError, match="SEGUR_REFERENCE_DIR"):
        check_named_locations()
    monkeypatch.setenv("SEGUR_REFERENCE_DIR", str(tmp_path))
    assert reference_dir() == tmp_path.resolve() and named_location_problems() == []
