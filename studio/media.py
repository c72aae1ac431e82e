"""Content-addressed media store: `media/ab/abcdef…`, written once, never modified.

A blob's name is its sha256, so the same file imported twice is stored once,
and a reader can always check that what it reads is what was imported.
Writes go to a temporary name in the same folder and are renamed into place,
so a killed process leaves either no blob or a whole one.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from studio.errors import IntegrityError, StudioError

_SHA = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        # The name comes from the database; validating it means no stored
        # value can ever point outside the media folder.
        if not _SHA.match(sha256 or ""):
            raise IntegrityError(f"not a media id: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha):
            self._write(sha, lambda out: out.write(data))
        return sha

    def put_file(self, src: Path, max_bytes: int | None = None, check: Callable[[], None] | None = None) -> str:
        """Copy a file in, hashing as it streams; return its sha256.

        The copy is hashed while written, so a file that changes under us
        is stored under the hash of what we actually read.
        """
        target_dir = self.root / "tmp"
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, tmpname = tempfile.mkstemp(prefix="import-", dir=target_dir)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
                while block := fh.read(CHUNK):
                    size += len(block)
                    if max_bytes is not None and size > max_bytes:
                        raise StudioError(f"{src.name}: larger than the {max_bytes // (1 << 20)} MB limit")
                    if check is not None:
                        check()
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            dest = self.path(sha)
            if dest.exists():
                os.unlink(tmpname)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmpname, dest)
                os.chmod(dest, 0o444)
            return sha
        except BaseException:
            Path(tmpname).unlink(missing_ok=True)
            raise

    def sweep_stale_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Remove half-written imports left by a killed process.

        Only files untouched for an hour go: another process may be copying
        a large recording into the store right now, and its file's mtime
        moves with every block written.
        """
        folder = self.root / "tmp"
        if not folder.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for leftover in folder.glob("import-*"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def read_verified(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(f"media blob {sha256[:12]}… has been modified on disk")
        return data

    def _write(self, sha: str, writer: Callable[[BinaryIO], object]) -> None:
        dest = self.path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmpname = tempfile.mkstemp(prefix=".tmp-", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                writer(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmpname, dest)
            os.chmod(dest, 0o444)
        except BaseException:
            Path(tmpname).unlink(missing_ok=True)
            raise
