"""The project's signing key: Ed25519, kept beside the database, readable by its owner only.

The key signs the audit chain's head (the anchor file) and every package, so an
app team holding the public key can tell a package this project made from one
somebody assembled by hand, without having the project. The `cryptography`
package does the mathematics: hand-written signature code is how signatures fail.

What it does not do: a person who can rewrite the database, this key file and
the anchor file together can forge all three (docs/TAMPER_EVIDENCE.md).
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.errors import IntegrityError, StudioError

KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub"


def key_path(root: Path) -> Path:
    return root / KEY_FILE


def public_key_path(root: Path) -> Path:
    return root / PUBLIC_KEY_FILE


def ensure_key(root: Path) -> Ed25519PrivateKey:
    """The project's key, made on first use (mode 0600), with its public half published beside it."""
    path = key_path(root)
    if path.exists():
        return load_key(root)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # O_EXCL: two processes making the key at once must not end with two keys;
    # the loser reads the winner's. 0600 from the start, never briefly wider.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_key(root)
    except OSError as exc:
        raise StudioError(f"cannot write the project's signing key {path} ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    public_key_path(root).write_text(public_key_text(key.public_key()) + "\n", encoding="ascii")
    return key


def load_key(root: Path) -> Ed25519PrivateKey:
    path = key_path(root)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            # Others could read it and sign as this project: tighten, as ssh would insist.
            os.chmod(path, 0o600)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise IntegrityError(f"the project's signing key {path} is missing") from exc
    except (OSError, ValueError) as exc:
        raise IntegrityError(f"the project's signing key {path} cannot be read ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64: short enough to publish in an app's settings."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except ValueError as exc:
        raise IntegrityError(f"not an Ed25519 public key: {text[:60]!r}") from exc


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def is_valid(public_key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
