"""Every value that becomes part of a file or folder name in a package, checked first.

A language code once reached the file system as written (`en-/../../../EVIL`
wrote outside the project) and exhibit identifiers that differ only in
punctuation or case (C.1, C-1, c/1) shared one file. Here each value is held
to a strict form before any path is made from it, and each exhibit's file
name carries a short hash of its exact identifier, so two exhibits never
share a file whatever their identifiers look like.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from studio.errors import StudioError

# RFC 5646 (BCP 47) "langtag" and "privateuse", written out from the RFC's
# ABNF. No library here keeps this grammar (langcodes is not a dependency and
# would also accept forms it can repair); the grammar is short and fixed.
_LANGUAGE = r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
_SCRIPT = r"[A-Za-z]{4}"
_REGION = r"(?:[A-Za-z]{2}|[0-9]{3})"
_VARIANT = r"(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})"
_EXTENSION = r"(?:[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)"
_PRIVATE = r"(?:[xX](?:-[A-Za-z0-9]{1,8})+)"
_LANGTAG = re.compile(
    rf"{_LANGUAGE}(?:-{_SCRIPT})?(?:-{_REGION})?(?:-{_VARIANT})*(?:-{_EXTENSION})*(?:-{_PRIVATE})?|{_PRIVATE}"
)
MAX_LANGUAGE_TAG = 35  # RFC 5646 §4.4.1: 35 characters hold every tag in practice
_SEMVER = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})")
_TEMPLATE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SLUG_CHARS = 40  # the readable part; the hash makes it unique
HASH_CHARS = 10  # 40 bits of sha256: two identifiers of one museum never meet by chance


def language_tag(code: str) -> str:
    """A well-formed BCP 47 tag in its conventional case (zh-Hans, en-GB), or a StudioError."""
    if not isinstance(code, str) or len(code) > MAX_LANGUAGE_TAG or not _LANGTAG.fullmatch(code):
        raise StudioError(
            f"language {code!r} is not a BCP 47 language tag (e.g. en, zh-Hans, en-GB, yue-Hant-HK); "
            "nothing was written"
        )
    parts = code.split("-")
    out = [parts[0].lower()]
    private = False
    for part in parts[1:]:
        if private or len(part) == 1:  # after a singleton (x-, u-...) everything is lower case
            private = True
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def language_tags(codes: list[str]) -> list[str]:
    """Each code checked and in conventional case; the same language twice (en, EN) is refused."""
    tags: list[str] = []
    for code in codes:
        tag = language_tag(code.strip(" "))  # spaces after commas are fine; a newline is not
        if tag in tags:
            raise StudioError(f"language {tag} is named twice; name each language once")
        tags.append(tag)
    if not tags:
        raise StudioError("name at least one language, e.g. --lang en,zh")
    return tags


def semver(version: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH exactly: no spaces, no newline, no leading zeros, no v prefix."""
    match = _SEMVER.fullmatch(version) if isinstance(version, str) else None
    if not match:
        raise StudioError(f"version {version!r} is not semantic versioning (MAJOR.MINOR.PATCH, e.g. 1.2.0)")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def template_name(name: str) -> str:
    """A card template id from assets/cards (kiosk_portrait), or an explicit path to a .json file."""
    if _TEMPLATE_ID.fullmatch(name):
        return name
    if name.endswith(".json") and "\x00" not in name:
        return name  # a path the person chose on purpose; it is only read
    raise StudioError(
        f"card template {name!r} is neither a template id (letters, digits, - and _) nor a path to a .json file"
    )


def item_slug(identifier: str | None, exhibit_id: int) -> str:
    """The file name of an exhibit in a package: readable, and unique per exact identifier.

    'RMAA.1987.014' -> 'rmaa-1987-014-<hash>'; '故宫 00123' -> '00123-<hash>'.
    The hash is of the identifier exactly as stored (case and punctuation
    count), so C.1, C-1 and c/1 get three files. Without an identifier the
    exhibit's number is unique already.
    """
    if not identifier:
        return f"exhibit-{exhibit_id}"
    folded = unicodedata.normalize("NFKD", identifier).encode("ascii", "ignore").decode("ascii")
    readable = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:SLUG_CHARS].strip("-") or "exhibit"
    digest = hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{readable}-{digest}"


def check_unique(names: dict[str, str]) -> None:
    """Stop an export in which two things would share one file (file name -> what it is)."""
    seen: dict[str, str] = {}
    for what, name in names.items():
        key = name.casefold()  # a package is unpacked on case-insensitive disks too
        if key in seen:
            raise StudioError(f"{seen[key]} and {what} would share the file {name}; nothing was written")
        seen[key] = what
