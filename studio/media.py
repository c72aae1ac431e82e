"""Content-addressed media store: `media/ab/abcdef…`, written once, never modified.

A blob's name is its sha256, so the same file imported twice is stored once,
and a reader can always check that what it reads is what was imported.

Where the blobs live (issue 14). A single-user project keeps them in its own
folder. A team project keeps them in one shared folder every workstation
mounts (SMB or NFS; `"media"` in team.json, or the team project folder itself),
not in PostgreSQL. Why a folder:
- the studio hands media to programs by path (ffmpeg converts audio for a
  package, Whisper reads the recording, the app's player streams it), so blobs
  in the database would each be copied out to a local file before every use;
- audio guides run to hundreds of MB (the import limit is 4 GB, images 500 MB,
  documents 200 MB; `studio.ingest.extractors.MAX_BYTES`); PostgreSQL keeps a
  `bytea` value under 1 GB, and blobs that size in the database would pass
  through its write-ahead log and every backup and replica of the text data;
- the museum's file server already has the backup, quota and access control IT
  runs for such files, and a content-addressed folder needs no coordination
  between writers: two workstations storing the same file write the same bytes
  under the same name.
The database stays the record of which blob each source uses (its sha256), and
`check` proves each blob still matches its name.

Every file is streamed in 1 MiB blocks (hashed while copied, verified while
read): memory stays flat whatever the file's size.

Writes are atomic on a local disk and on a share: the bytes go to a temporary
file (in `tmp/`, or beside the blob), are flushed and fsync'd, then renamed
into place; a rename within one share is atomic on SMB and NFS. A process or
workstation killed mid-write leaves only a temporary file, never a blob under
a content name (`sweep_stale_temp_files` removes those untouched for an hour,
which a live copy of a large recording on a slow share never is). A blob
damaged after the fact (a disk fault, a hand edit, a copy cut short by a tool
other than the studio) no longer matches its name: `verify` and `check` say so,
and storing the same file again replaces the damaged copy. A missing blob is a
clear error naming the store, since on a workstation it most often means the
shared folder is not mounted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from studio.errors import IntegrityError, StudioError
from studio.messages import Message, say

_SHA = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20
# Written when a team's store is made; a workstation that does not find it is
# looking at an unmounted share's empty mount point, or at the wrong folder.
MARKER = "HERITAGE-STUDIO-MEDIA.txt"
MARKER_TEXT = (
    "This folder is a Heritage Studio media store: each file is named by the sha256 of its content.\n"
    "Do not rename, edit or remove files here; the project's database refers to them by name.\n"
)


class MediaStore:
    def __init__(self, root: Path, *, shared: bool = False) -> None:
        self.root = root
        # A team's store on a file server: a missing blob most likely means the share is not mounted here.
        self.shared = shared

    def mark(self) -> None:
        """Make this folder a team's store (creating it), so workstations can tell it from an empty mount point."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            marker = self.root / MARKER
            if not marker.is_file():
                marker.write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as exc:
            raise StudioError(f"cannot make the media store at {self.root} ({exc.strerror or exc})") from exc

    def require_reachable(self) -> None:
        """A team's store must be there as it was made; never created on opening."""
        if not self.root.is_dir():
            raise StudioError(
                f"the team's media folder {self.root} is not reachable from this workstation: mount the share, "
                'or correct "media" in the project\'s team.json'
            )
        if not (self.root / MARKER).is_file():
            raise StudioError(
                f"{self.root} is not the team's media folder (no {MARKER} in it): the share may not be mounted "
                "there, or team.json names another folder"
            )

    def path(self, sha256: str) -> Path:
        # The name comes from the database; validating it means no stored
        # value can ever point outside the media folder.
        if not _SHA.match(sha256 or ""):
            raise IntegrityError(f"not a media id: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def require(self, sha256: str) -> Path:
        """The blob's path, or a clear error when it is not in the store."""
        path = self.path(sha256)
        if not path.is_file():
            raise IntegrityError(self._missing(sha256))
        return path

    def _missing(self, sha256: str) -> Message:
        return say("blob_missing_shared" if self.shared else "blob_missing", short=f"{sha256[:12]}…", root=self.root)

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self._whole(sha, len(data)):
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
            if self._whole(sha, size):
                os.unlink(tmpname)
            else:
                self._settle(Path(tmpname), sha, size)
            return sha
        except BaseException:
            Path(tmpname).unlink(missing_ok=True)
            raise

    def sweep_stale_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Remove half-written imports left by a killed process.

        Only files untouched for an hour go: another process (on a shared
        store, another workstation) may be copying a large recording in right
        now, and its file's mtime moves with every block written.
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
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise IntegrityError(self._missing(sha256)) from None

    def blocks(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in blocks, checked against its name as they stream.

        The last block is handed out only once the whole blob has been hashed,
        so a reader that copies every block never finishes a damaged copy
        without hearing about it.
        """
        digest = hashlib.sha256()
        with self.open(sha256) as fh:
            pending = fh.read(CHUNK)
            while pending:
                digest.update(pending)
                following = fh.read(CHUNK)
                if not following and digest.hexdigest() != sha256:
                    raise IntegrityError(self._damaged(sha256))
                yield pending
                pending = following
        if digest.hexdigest() != sha256:  # an empty file under a name that is not the empty file's hash
            raise IntegrityError(self._damaged(sha256))

    def verify(self, sha256: str) -> None:
        """Check a blob against its name, streaming (a 4 GB recording needs 1 MiB of memory)."""
        for _block in self.blocks(sha256):
            pass

    def read_verified(self, sha256: str) -> bytes:
        """A small blob's bytes (a thumbnail, a label text), checked against its name."""
        return b"".join(self.blocks(sha256))

    def _damaged(self, sha256: str) -> str:
        return (
            f"media blob {sha256[:12]}… has been modified on disk: its content no longer matches its name "
            "(a damaged or half-written copy; importing the same file again restores it)"
        )

    def _whole(self, sha: str, size: int) -> bool:
        """Whether the blob is already stored whole. A copy of another size is
        damaged (cut short by a crash or a tool) and gets replaced."""
        try:
            return self.path(sha).stat().st_size == size
        except FileNotFoundError:
            return False

    def _settle(self, tmp: Path, sha: str, size: int) -> None:
        """Rename a fully written temporary file into place as blob `sha`."""
        dest = self.path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        except PermissionError as exc:
            # Some SMB servers refuse to replace a read-only file. If another
            # workstation stored the same blob meanwhile, theirs is ours.
            if self._whole(sha, size):
                tmp.unlink(missing_ok=True)
                return
            if not dest.exists():
                raise StudioError(
                    f"cannot write into the media store at {self.root} ({exc.strerror or exc}): "
                    "this workstation needs write access to it"
                ) from exc
            os.chmod(dest, 0o644)  # a damaged copy: make it replaceable, then replace it
            os.replace(tmp, dest)
        _sync_folder(dest.parent)

    def _write(self, sha: str, writer: Callable[[BinaryIO], object]) -> None:
        dest = self.path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmpname = tempfile.mkstemp(prefix=".tmp-", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                writer(out)
                out.flush()
                os.fsync(out.fileno())
                size = out.tell()
            self._settle(Path(tmpname), sha, size)
        except BaseException:
            Path(tmpname).unlink(missing_ok=True)
            raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut after it keeps the blob's name).

    Best effort: Windows and some network file systems cannot open or fsync a folder.
    """
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
