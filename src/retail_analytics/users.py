"""The users of `retail serve`: names, roles and salted password hashes in one file.

One line per user, `name:role:pbkdf2_sha256:iterations:salt:hash` (base64), read by the
server's Java authenticator (java/serving) at every login, so a user added while the server
runs can log in at once. Roles: `bi` reads the published marts, `dbt` builds them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from retail_analytics.errors import RetailError
from retail_analytics.spark import PROJECT_DIR

ROLES = ("bi", "dbt")
ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 200_000
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8


class UsersError(RetailError):
    """A user cannot be added, or the users file is unusable."""


@dataclass(frozen=True)
class User:
    """One line of the users file."""

    name: str
    role: str
    iterations: int
    salt: bytes
    digest: bytes

    def line(self) -> str:
        """The line that stands for this user in the file."""
        b64 = base64.b64encode
        return ":".join(
            [
                self.name,
                self.role,
                ALGORITHM,
                str(self.iterations),
                b64(self.salt).decode(),
                b64(self.digest).decode(),
            ]
        )


def users_file() -> Path:
    """`RETAIL_USERS_FILE`, else `.retail/users` in the project (git ignores it)."""
    return Path(os.environ.get("RETAIL_USERS_FILE", PROJECT_DIR / ".retail" / "users")).resolve()


def hash_password(password: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    """PBKDF2-HMAC-SHA256 of the password, 32 bytes (what the Java side recomputes)."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, 32)


def read(path: Path | None = None) -> dict[str, User]:
    """The users in the file, by name (none when it does not exist)."""
    path = path or users_file()
    if not path.is_file():
        return {}
    users: dict[str, User] = {}
    for text in path.read_text(encoding="utf-8").splitlines():
        fields = text.strip().split(":")
        if len(fields) != 6 or fields[2] != ALGORITHM:
            continue
        name, role, _, iterations, salt, digest = fields
        users[name] = User(
            name, role, int(iterations), base64.b64decode(salt), base64.b64decode(digest)
        )
    return users


def write(users: dict[str, User], path: Path | None = None) -> Path:
    """Replace the file with `users`, readable by its owner only."""
    path = path or users_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# retail serve users: name:role:algorithm:iterations:salt:hash\n")
        out.writelines(user.line() + "\n" for user in sorted(users.values(), key=lambda u: u.name))
    os.replace(tmp, path)
    return path


def add(name: str, role: str, password: str, path: Path | None = None) -> Path:
    """Add `name` with `role`, or replace its role and password; return the file."""
    if not NAME_PATTERN.match(name):
        raise UsersError(f"invalid user name {name!r}: letters, digits and _ . @ - only")
    if role not in ROLES:
        raise UsersError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"the password needs at least {MIN_PASSWORD} characters")
    users = read(path)
    salt = secrets.token_bytes(16)
    users[name] = User(name, role, ITERATIONS, salt, hash_password(password, salt))
    return write(users, path)


def remove(name: str, path: Path | None = None) -> bool:
    """Remove `name`; False when there was no such user."""
    users = read(path)
    if users.pop(name, None) is None:
        return False
    write(users, path)
    return True


def verify(name: str, password: str, path: Path | None = None) -> bool:
    """True when `password` is `name`'s (the Python twin of the server's check)."""
    user = read(path).get(name)
    if user is None:
        return False
    candidate = hash_password(password, user.salt, user.iterations)
    return hmac.compare_digest(candidate, user.digest)
