"""Signing in: the person acting, checked against their passphrase when the project requires it.

A project that requires sign-in (setting `sign_in_required`) lets a person act
only with their passphrase (argon2id, studio/passphrases.py); on a team database
the login is the sign-in (studio/team_roles.py). Kept apart from studio/users.py
because it reads the project's settings, and changing a setting checks the
person's role in users: one module importing the other, not each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from studio import passphrases, settings, team_roles, users
from studio.errors import PermissionDenied
from studio.models import User

if TYPE_CHECKING:
    from studio.project import Project


def required(s: Session) -> bool:
    """Whether people act here only with their passphrase."""
    return bool(settings.get(s, "sign_in_required"))


def check(s: Session, name: str, passphrase: str | None) -> User:
    """The person acting, checked against their passphrase when the project requires sign-in."""
    person = users.get_user(s, name)
    if team_roles.gated(s):
        team_roles.require_self(s, person.name)  # the database login is the sign-in
        return person
    if not required(s):
        return person
    if not person.passphrase_hash:
        raise PermissionDenied(
            f"this project requires signing in and {person.name} has no passphrase yet; "
            f"an admin sets one with: heritage-studio user passphrase {person.name}"
        )
    if passphrase is None:
        raise PermissionDenied(f"this project requires signing in: {person.name}'s passphrase is needed")
    if not passphrases.matches(person.passphrase_hash, passphrase):
        raise PermissionDenied(f"wrong passphrase for {person.name}")
    return person


def required_of(project: Project, name: str) -> bool:
    """Whether `name` (who must be a person of the project) needs their passphrase to act here."""
    with project.read() as s:
        users.get_user(s, name)
        return required(s)


def sign_in_as(project: Project, name: str, passphrase: str | None) -> str:
    """The name of the person acting, once checked against their passphrase (`check`)."""
    with project.read() as s:
        return check(s, name, passphrase).name


@dataclass(frozen=True)
class WhoWorksHere:
    """Who a window may offer as the person working, and whether they must sign in."""

    people: list[str]
    sign_in_required: bool


def who_works_here(project: Project) -> WhoWorksHere:
    """The people a window offers: on a team database only its login (signed in by its password
    already), otherwise every person of the project, with whether they need a passphrase."""
    with project.read() as s:
        if team_roles.gated(s):
            return WhoWorksHere([team_roles.login(s)], False)
        return WhoWorksHere([u.name for u in users.list_users(s)], required(s))
