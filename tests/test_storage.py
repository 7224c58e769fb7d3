"""The upload store: random keys, whole writes, and no way out of the upload root."""

from __future__ import annotations

import os
import re
import stat

import pytest
from flask import Flask

from portal import storage as storage_module
from portal.storage import LocalStorage, Storage, get_storage

KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.jpg")


@pytest.fixture
def store(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def test_a_saved_file_reads_back_under_a_random_key(store, tmp_path):
    key = store.save(b"\xff\xd8 photo bytes", ".jpg")

    assert KEY.fullmatch(key)
    assert key[:2] == key[6:8] and key[3:5] == key[8:10]  # the folders are the name's first bytes
    assert store.exists(key)
    assert store.open(key) == b"\xff\xd8 photo bytes"
    assert (tmp_path / "uploads" / key).read_bytes() == b"\xff\xd8 photo bytes"


def test_keys_never_repeat_even_for_the_same_content(store):
    keys = {store.save(b"same", ".jpg") for _ in range(200)}

    assert len(keys) == 200


def test_a_stored_file_is_readable_by_its_owner_and_group_only(store, tmp_path):
    key = store.save(b"x", ".jpg")

    mode = stat.S_IMODE((tmp_path / "uploads" / key).stat().st_mode)
    assert mode == 0o640


def test_the_write_is_whole_or_nothing(store, tmp_path, monkeypatch):
    seen = {}
    real_replace = os.replace

    def replace(source, target):
        # At the rename the target does not exist yet and the temporary file holds everything.
        seen["target_existed"] = os.path.exists(target)
        with open(source, "rb") as file:
            seen["temporary"] = file.read()
        real_replace(source, target)

    monkeypatch.setattr(storage_module.os, "replace", replace)

    key = store.save(b"a" * 100_000, ".jpg")

    assert seen == {"target_existed": False, "temporary": b"a" * 100_000}
    assert store.open(key) == b"a" * 100_000


def test_a_failed_write_leaves_no_file_behind(store, tmp_path, monkeypatch):
    def fail(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", fail)

    with pytest.raises(OSError, match="disk full"):
        store.save(b"photo", ".jpg")

    assert [path for path in (tmp_path / "uploads").rglob("*") if path.is_file()] == []


def test_delete_removes_the_file_and_a_second_delete_is_harmless(store):
    key = store.save(b"x", ".jpg")

    store.delete(key)
    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)


@pytest.mark.parametrize(
    "key",
    [
        "../secret",
        "ab/../../secret",
        "ab/cd/../../../etc/passwd",
        "/etc/passwd",
        "ab/cd/photo.jpg\x00.png",
        "ab\\..\\..\\secret",
        "",
        ".",
        "ab//cd.jpg",
        "ab/./cd.jpg",
    ],
)
def test_a_key_that_could_leave_the_root_is_refused(store, key):
    for use in (store.open, store.delete, store.exists):
        with pytest.raises(ValueError, match="invalid storage key"):
            use(key)


def test_a_symbolic_link_out_of_the_root_is_refused(store, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "link").symlink_to(tmp_path / "secret.txt")

    with pytest.raises(ValueError, match="invalid storage key"):
        store.open("link")


@pytest.mark.parametrize("suffix", ["", "jpg", "/../x", ".JPG", ".j/g", ".toolongsuffix"])
def test_only_plain_suffixes_are_taken(store, suffix):
    with pytest.raises(ValueError, match="unsupported suffix"):
        store.save(b"x", suffix)


def test_the_app_storage_lives_under_the_upload_root_and_is_made_once(tmp_path):
    app = Flask(__name__)
    app.config["UPLOAD_ROOT"] = str(tmp_path / "claims")

    with app.app_context():
        storage = get_storage()
        key = storage.save(b"photo", ".jpg")
        assert get_storage() is storage

    assert isinstance(storage, Storage)
    assert (tmp_path / "claims" / key).read_bytes() == b"photo"


def test_the_default_upload_root_is_the_projects_uploads_folder():
    from config import BASE_DIR, Config

    if "UPLOAD_ROOT" not in os.environ:
        assert Config.UPLOAD_ROOT == str(BASE_DIR / "uploads")
