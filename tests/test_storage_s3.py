"""The S3-compatible upload store, against moto's S3 server on loopback, and STORAGE_URL selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from portal.storage import LocalStorage, S3Settings, S3Storage, get_storage, parse_storage_url, storage_from_url

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.jpg")
BUCKET = "apuri-uploads"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield host, port
    finally:
        server.stop()


@pytest.fixture
def s3_url(s3_endpoint):
    host, port = s3_endpoint
    url = f"s3://AKIDTEST:s3cr%2Ft@{host}:{port}/{BUCKET}?region=eu-north-1&secure=false"
    settings = parse_storage_url(url)
    client = S3Storage(settings).client
    if BUCKET not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    return url


@pytest.fixture
def store(s3_url) -> S3Storage:
    storage = storage_from_url(s3_url, "/nonexistent")
    assert isinstance(storage, S3Storage)
    return storage


def test_a_saved_object_reads_back_under_a_random_key(store):
    key = store.save(b"\xff\xd8 photo bytes", ".jpg")

    assert KEY.fullmatch(key)
    assert store.exists(key)
    assert store.open(key) == b"\xff\xd8 photo bytes"
    body = store.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == b"\xff\xd8 photo bytes"


def test_keys_never_repeat(store):
    assert len({store.save(b"same", ".jpg") for _ in range(20)}) == 20


def test_a_missing_key_is_file_not_found_and_its_delete_is_fine(store):
    key = store.save(b"x", ".jpg")
    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)  # again: nothing there, no error
    store.delete("00/00/" + "0" * 32 + ".jpg")


def test_an_unsupported_suffix_or_a_crafted_key_is_refused(store):
    with pytest.raises(ValueError):
        store.save(b"x", ".jpg/../x")
    for key in ("", "../x.jpg", "/abs.jpg", "a//b.jpg", "a/./b.jpg", "a\\b.jpg", "a\x00.jpg"):
        with pytest.raises(ValueError):
            store.open(key)
        with pytest.raises(ValueError):
            store.exists(key)


def test_a_prefix_in_the_url_keeps_objects_under_it(s3_url):
    store = storage_from_url(s3_url.replace(f"/{BUCKET}?", f"/{BUCKET}/tenant/a?"), "/nonexistent")
    key = store.save(b"prefixed", ".png")

    assert store.open(key) == b"prefixed"
    assert store.client.head_object(Bucket=BUCKET, Key=f"tenant/a/{key}")
    assert not storage_from_url(s3_url, "/nonexistent").exists(key)


def test_the_app_picks_s3_from_storage_url(s3_url, tmp_path):
    app = Flask(__name__)
    app.config.update(UPLOAD_ROOT=str(tmp_path), STORAGE_URL=s3_url)
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        assert get_storage() is storage
        key = storage.save(b"via app", ".jpg")
        assert get_storage().open(key) == b"via app"
    assert not any(tmp_path.iterdir())


def test_unset_or_file_urls_stay_on_the_local_disk(tmp_path):
    assert isinstance(storage_from_url(None, tmp_path), LocalStorage)
    assert storage_from_url(None, tmp_path).root == tmp_path.resolve()
    local = storage_from_url(f"file://{tmp_path}/elsewhere", tmp_path)
    assert isinstance(local, LocalStorage) and local.root == (tmp_path / "elsewhere").resolve()


def test_the_url_is_parsed_into_endpoint_credentials_and_region():
    settings = parse_storage_url("s3://AKID:pa%40ss%2Fword@minio:9000/uploads?region=eu-north-1&secure=false")

    assert settings == S3Settings(
        bucket="uploads",
        endpoint_url="http://minio:9000",
        access_key="AKID",
        secret_key="pa@ss/word",
        region="eu-north-1",
    )
    assert "pa@ss/word" not in repr(settings)
    secure = parse_storage_url("s3://AKID:x@s3.example.com/b")
    assert secure.endpoint_url == "https://s3.example.com" and secure.region is None
    assert parse_storage_url("s3:///bucket").endpoint_url is None  # AWS itself, boto3's credentials
    assert parse_storage_url("file:///srv/uploads") == Path("/srv/uploads")
    assert parse_storage_url("") is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/bucket",
        "s3://AKID:secret-value@host:9000/",
        "s3://AKID:secret-value@host:9000/b?secure=maybe",
        "s3://AKID@host:9000/b",
        "s3://AKID:secret-value@host:port/b",
        "file://relative/path",
    ],
)
def test_a_bad_url_is_refused_without_repeating_the_secret(url):
    with pytest.raises(ValueError) as error:
        parse_storage_url(url)
    assert "secret-value" not in str(error.value)
