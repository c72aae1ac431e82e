"""Shared prompt beginnings kept as llama.cpp sequence states, in memory and on disk.

Every card prompt starts with the same system text; the exhibit and its passages
follow. Reading that shared part costs ~0.8 s of a card's first token on two
cores (more for a project's own longer instructions), every time, in every session.
The engine keeps the state at the point where prompts part (`add`), so later
prompts start from it; on disk, so the first draft after the studio starts
does too.

The files hold the token ids they stand for and a sha256 of the state. A file
that does not match (half-written, edited, or from another build that shares
the folder name) is removed and the prompt is read as usual: a kept state only
ever saves time, it never changes what the model reads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("heritage.engines")

MAGIC = b"HERITAGE-PREFIX-1\n"
IN_MEMORY = 4  # ~28 KB per token of the 1.5B model: ~4 MB for a card's shared beginning
ON_DISK = 16  # the oldest files beyond this are removed
MAX_FILE_BYTES = 256 << 20  # larger is not a prefix we wrote; refuse to read it


def _name(tokens: tuple[int, ...]) -> str:
    return hashlib.sha256(json.dumps(tokens).encode()).hexdigest()[:32] + ".state"


class PrefixStore:
    """Token prefix → sequence state. `folder` None keeps them in memory only."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._files: dict[tuple[int, ...], Path] = {}
        if folder is not None:
            self._index()

    def _index(self) -> None:
        assert self.folder is not None
        try:
            paths = sorted(self.folder.glob("*.state"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for path in paths[:ON_DISK]:
            tokens = self._read_tokens(path)
            if tokens is not None:
                self._files[tokens] = path

    @staticmethod
    def _read_tokens(path: Path) -> tuple[int, ...] | None:
        try:
            with open(path, "rb") as fh:
                if fh.read(len(MAGIC)) != MAGIC:
                    raise ValueError("not a prefix state")
                header = json.loads(fh.readline())
            tokens = tuple(int(t) for t in header["tokens"])
            if not tokens or path.name != _name(tokens):
                raise ValueError("name does not match its tokens")
            return tokens
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("ignoring prompt prefix file %s: %s", path, exc)
            _remove(path)
            return None

    def kept(self) -> list[tuple[int, ...]]:
        """The prefixes this store can give back (in memory or on disk)."""
        return list(dict.fromkeys((*self._memory, *self._files)))

    def __contains__(self, tokens: tuple[int, ...]) -> bool:
        return tokens in self._memory or tokens in self._files

    def longest(self, tokens: list[int]) -> tuple[int, ...] | None:
        """The longest kept prefix that `tokens` starts with."""
        best: tuple[int, ...] | None = None
        for key in (*self._memory, *self._files):
            if len(key) < len(tokens) and (best is None or len(key) > len(best)) and tuple(tokens[: len(key)]) == key:
                best = key
        return best

    def data(self, tokens: tuple[int, ...]) -> bytes | None:
        if tokens in self._memory:
            self._memory.move_to_end(tokens)
            return self._memory[tokens]
        path = self._files.get(tokens)
        if path is None:
            return None
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError("too large")
            with open(path, "rb") as fh:
                fh.read(len(MAGIC))
                header = json.loads(fh.readline())
                data = fh.read()
            if hashlib.sha256(data).hexdigest() != header.get("sha256"):
                raise ValueError("its state does not match its checksum")
        except (OSError, ValueError) as exc:
            log.info("ignoring prompt prefix file %s: %s", path, exc)
            self.discard(tokens)
            return None
        self._hold(tokens, data)
        return data

    def add(self, tokens: tuple[int, ...], data: bytes) -> None:
        self._hold(tokens, data)
        if self.folder is None or tokens in self._files:
            return
        path = self.folder / _name(tokens)
        header = json.dumps({"tokens": list(tokens), "sha256": hashlib.sha256(data).hexdigest()})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(MAGIC + header.encode() + b"\n" + data)
            os.replace(tmp, path)  # a reader sees the old file or the whole new one
        except OSError as exc:  # a full or read-only cache only costs the time it would have saved
            log.warning("could not keep a prompt prefix in %s: %s", self.folder, exc)
            _remove(tmp)
            return
        self._files[tokens] = path
        for old in sorted(self._files, key=lambda k: _mtime(self._files[k]))[: max(0, len(self._files) - ON_DISK)]:
            _remove(self._files.pop(old))

    def discard(self, tokens: tuple[int, ...]) -> None:
        self._memory.pop(tokens, None)
        path = self._files.pop(tokens, None)
        if path is not None:
            _remove(path)

    def forget(self) -> None:
        """Start cold: nothing kept is used again by this engine (files stay for the next)."""
        self._memory.clear()
        self._files.clear()

    def _hold(self, tokens: tuple[int, ...], data: bytes) -> None:
        self._memory[tokens] = data
        self._memory.move_to_end(tokens)
        while len(self._memory) > IN_MEMORY:
            self._memory.popitem(last=False)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
