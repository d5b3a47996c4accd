"""The master keyring: its format, the generated development key file, and what production refuses."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest

from anxin.core.config import Settings
from anxin.privacy.errors import MasterKeyError
from anxin.privacy.keys import MASTER_KEY_FILE, load_keyring, new_key_entry, parse_keyring


def settings_for(tmp_path: Path, **values: object) -> Settings:
    # The test run's own ANXIN_MASTER_KEY must not leak in: these tests are about the key file.
    values.setdefault("master_key", None)
    return Settings(home=tmp_path / "home", **values)  # type: ignore[arg-type]


def test_several_versions_newest_first_in_both_base64_alphabets() -> None:
    newest, older = secrets.token_bytes(32), secrets.token_bytes(32)
    text = (
        f" v2:{base64.urlsafe_b64encode(newest).decode().rstrip('=')} , v1:{base64.b64encode(older).decode()}"
    )
    ring = parse_keyring(text)
    assert ring.current_version == "v2"
    assert ring.versions == ("v2", "v1")
    assert ring.key("v2") == newest
    assert ring.key("v1") == older
    assert newest.hex() not in repr(ring) and "v2" in repr(ring)


def test_a_bare_key_is_version_v1() -> None:
    ring = parse_keyring(base64.b64encode(secrets.token_bytes(32)).decode())
    assert ring.versions == ("v1",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("v1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        ("v1:***not base64***", "base64"),
        ("v 1:" + base64.b64encode(bytes(32)).decode(), "may use letters"),
        (f"v1:{base64.b64encode(bytes(32)).decode()},v1:{base64.b64encode(bytes(32)).decode()}", "unique"),
        (
            f"{base64.b64encode(bytes(32)).decode()},v1:{base64.b64encode(bytes(32)).decode()}",
            "needs a version",
        ),
    ],
)
def test_malformed_keyrings_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(MasterKeyError, match=problem):
        parse_keyring(text)


def test_a_wrapped_key_unwraps_only_for_its_owner_and_version() -> None:
    ring = parse_keyring(f"{new_key_entry('v2')},{new_key_entry('v1')}")
    data_key = secrets.token_bytes(32)
    version, wrapped = ring.wrap("user:1", data_key)
    assert version == "v2"
    assert ring.unwrap("user:1", "v2", wrapped) == data_key
    with pytest.raises(MasterKeyError, match="does not unwrap"):
        ring.unwrap("user:2", "v2", wrapped)
    with pytest.raises(MasterKeyError, match="does not unwrap"):
        ring.unwrap("user:1", "v1", wrapped)
    with pytest.raises(MasterKeyError, match="not configured"):
        ring.unwrap("user:1", "v9", wrapped)


def test_the_development_key_file_is_generated_once_with_mode_0600(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    with caplog.at_level("WARNING", logger="anxin.privacy"):
        first = load_keyring(settings)
    path = settings.home / MASTER_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("generated a new master key" in record.getMessage() for record in caplog.records)
    # The log names the file, never the key.
    assert all(
        base64.urlsafe_b64encode(first.key("v1")).decode()[:20] not in r.getMessage() for r in caplog.records
    )
    second = load_keyring(settings)
    assert second.key("v1") == first.key("v1")


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    load_keyring(settings)
    path = settings.home / MASTER_KEY_FILE
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        load_keyring(settings)


def test_production_refuses_to_generate_a_key(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, environment="production")
    with pytest.raises(MasterKeyError, match="ANXIN_MASTER_KEY is not set"):
        load_keyring(settings)
    assert not (settings.home / MASTER_KEY_FILE).exists()


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    entry = new_key_entry("v7")
    ring = load_keyring(settings_for(tmp_path, master_key=entry, environment="production"))
    assert ring.versions == ("v7",)
    assert not (tmp_path / "home" / MASTER_KEY_FILE).exists()
