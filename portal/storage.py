"""Uploads: one interface, a local folder by default, an S3-compatible bucket with STORAGE_URL.

Keys are opaque and made here (random names, never derived from what a user sent), so a
stored file can be found only through the record that holds its key. The upload root lies
outside the static files: nothing under it is served except through a view that checks
who is asking.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

log = logging.getLogger(__name__)

_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_EXTENSION_KEY = "apuri.storage"
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750


class StorageUnavailable(DomainError):
    """An upload could not be stored (the disk is full, the bucket does not answer): nothing of
    it was kept, and the buyer is told to try again later rather than shown a server error."""

    code = "storage_unavailable"
    status = 503
    default_message = _l(
        "Your photos could not be saved just now, so nothing was sent. Please try again in a little while."
    )


# Errors of a store that does not take the file now (boto3's own when it is installed).
def _store_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover (boto3 is in requirements.txt)
        return errors
    return (*errors, BotoCoreError, ClientError)


class Storage(ABC):
    """Where uploaded files live. Every implementation takes and returns the same opaque keys."""

    @abstractmethod
    def save(self, data: bytes, suffix: str) -> str:
        """Store ``data`` under a new random key ending in ``suffix`` (``".jpg"``) and return the key."""

    def store(self, data: bytes, suffix: str) -> str:
        """``save`` for an upload: a store that does not take the file (disk full, no answer)
        raises StorageUnavailable, with nothing of the file kept; the cause goes to the log."""
        try:
            return self.save(data, suffix)
        except _store_errors() as error:
            full = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
            log.error(
                "upload storage %s: %s (%s bytes not stored)",
                type(self).__name__,
                "no space left" if full else "the write failed",
                len(data),
                exc_info=True,
            )
            raise StorageUnavailable() from error

    @abstractmethod
    def open(self, key: str) -> bytes:
        """The bytes stored under ``key``; FileNotFoundError when there are none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove what ``key`` holds; a key that holds nothing is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a file."""


def new_key(suffix: str) -> str:
    """A random key such as ``3f/a9/3fa9…(32 hex).jpg``; two levels keep directories small."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"unsupported suffix: {suffix!r}")
    name = secrets.token_hex(16)
    return f"{name[:2]}/{name[2:4]}/{name}{suffix}"


class LocalStorage(Storage):
    """Files in a folder; each write lands whole or not at all (temporary file, then rename)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()

    def save(self, data: bytes, suffix: str) -> str:
        key = new_key(suffix)
        path = self._path(key)
        made = [folder for folder in (path.parent.parent, path.parent) if not folder.exists()]
        try:
            path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
            # The temporary file sits in the target directory so that the rename stays on one file system.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
        except BaseException:
            self._remove_empty(made)
            raise
        try:
            with os.fdopen(handle, "wb") as file:
                _write(file, data)
            os.chmod(temporary, FILE_MODE)
            os.replace(temporary, path)
        except BaseException:
            # A disk that fills up mid-write leaves a partial temporary file: it goes, and so do
            # the folders made for it, so that a failed upload leaves nothing behind.
            Path(temporary).unlink(missing_ok=True)
            self._remove_empty(made)
            raise
        return key

    @staticmethod
    def _remove_empty(folders: list[Path]) -> None:
        for folder in reversed(folders):  # the deepest first
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (another upload is using it) or already gone

    def open(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        """The file for ``key``, refusing any key that could reach outside the root."""
        if not isinstance(key, str) or not key or "\x00" in key or "\\" in key:
            raise ValueError("invalid storage key")
        relative = PurePosixPath(key)
        if relative.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
            raise ValueError("invalid storage key")
        path = (self.root / relative).resolve()
        # A symbolic link inside the root must not lead out of it either.
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError("invalid storage key")
        return path


def _write(file, data: bytes) -> None:
    """Write ``data`` whole to ``file`` and onto the disk (a full disk raises OSError ENOSPC here)."""
    file.write(data)
    file.flush()
    os.fsync(file.fileno())


def _check_key(key: str) -> str:
    """``key`` itself when it is a relative path without tricks; ValueError otherwise."""
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key:
        raise ValueError("invalid storage key")
    if key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError("invalid storage key")
    return key


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None  # None: AWS itself
    access_key: str | None = None  # None: boto3's own credential chain
    secret_key: str | None = field(default=None, repr=False)  # never in a log line
    region: str | None = None


class S3Storage(Storage):
    """Objects in an S3-compatible bucket (AWS S3, MinIO, …), addressed path-style.

    A PUT lands whole or not at all, so no temporary object is needed.
    """

    def __init__(self, settings: S3Settings, client=None):
        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self.client = client or _s3_client(settings)

    def save(self, data: bytes, suffix: str) -> str:
        key = new_key(suffix)
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data)
        return key

    def open(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as error:
            if _is_missing(error):
                raise FileNotFoundError(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as error:
            if not _is_missing(error):
                raise

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as error:
            if _is_missing(error):
                return False
            raise
        return True

    def _object(self, key: str) -> str:
        return self.prefix + _check_key(key)


def _is_missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"404", "NoSuchKey", "NotFound"} or status == 404


def _s3_client(settings: S3Settings):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region or "us-east-1",
        config=BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def parse_storage_url(url: str | None) -> Path | S3Settings | None:
    """What ``STORAGE_URL`` names: None (unset: UPLOAD_ROOT), a folder (file:///path) or a bucket.

    ``s3://ACCESS_KEY:SECRET@host:port/bucket[/prefix]?region=eu-north-1&secure=true``; the key and
    secret are percent-decoded; without them boto3's own credential chain applies. Errors never
    repeat the URL, which may hold a secret.
    """
    if not url:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("a file: STORAGE_URL needs an absolute path (file:///srv/apuri/uploads)")
        return Path(unquote(parts.path))
    if scheme != "s3":
        raise ValueError("STORAGE_URL must start with s3:// or file://")
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments:
        raise ValueError("an s3: STORAGE_URL needs a bucket (s3://key:secret@host:9000/bucket)")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    secure = query.get("secure", "true").strip().lower()
    if secure not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValueError("secure= in STORAGE_URL must be true or false")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ValueError("the port in STORAGE_URL is not a number") from None
    endpoint = None
    if host:
        scheme_out = "https" if secure in {"true", "1", "yes"} else "http"
        netloc = f"[{host}]" if ":" in host else host
        endpoint = f"{scheme_out}://{netloc}" + (f":{port}" if port else "")
    access_key = unquote(parts.username) if parts.username else None
    secret_key = unquote(parts.password) if parts.password else None
    if bool(access_key) != bool(secret_key):
        raise ValueError("an s3: STORAGE_URL needs both the access key and the secret, or neither")
    prefix = "/".join(segments[1:])
    return S3Settings(
        bucket=segments[0],
        prefix=f"{prefix}/" if prefix else "",
        endpoint_url=endpoint,
        access_key=access_key,
        secret_key=secret_key,
        region=query.get("region") or None,
    )


def storage_from_url(url: str | None, upload_root: str | os.PathLike[str]) -> Storage:
    """The storage ``STORAGE_URL`` names; unset means the local folder ``upload_root``."""
    target = parse_storage_url(url)
    if target is None:
        return LocalStorage(upload_root)
    if isinstance(target, Path):
        return LocalStorage(target)
    return S3Storage(target)


def get_storage() -> Storage:
    """The application's storage, made once per app from ``STORAGE_URL`` (default: ``UPLOAD_ROOT``)."""
    storage = current_app.extensions.get(_EXTENSION_KEY)
    if storage is None:
        storage = current_app.extensions[_EXTENSION_KEY] = storage_from_url(
            current_app.config.get("STORAGE_URL"), current_app.config["UPLOAD_ROOT"]
        )
    return storage
