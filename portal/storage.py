"""Uploads: one interface, a local folder by default.

Keys are opaque and made here (random names, never derived from what a user sent), so a
stored file can be found only through the record that holds its key. The upload root lies
outside the static files: nothing under it is served except through a view that checks
who is asking.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath

from flask import current_app

_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_EXTENSION_KEY = "apuri.storage"
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750


class Storage(ABC):
    """Where uploaded files live. Every implementation takes and returns the same opaque keys."""

    @abstractmethod
    def save(self, data: bytes, suffix: str) -> str:
        """Store ``data`` under a new random key ending in ``suffix`` (``".jpg"``) and return the key."""

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
        path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        # The temporary file sits in the target directory so that the rename stays on one file system.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, FILE_MODE)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

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


def get_storage() -> Storage:
    """The application's storage, made once per app from ``UPLOAD_ROOT``."""
    storage = current_app.extensions.get(_EXTENSION_KEY)
    if storage is None:
        storage = current_app.extensions[_EXTENSION_KEY] = LocalStorage(current_app.config["UPLOAD_ROOT"])
    return storage
