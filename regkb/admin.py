"""The admin password of the app's 知识库 page.

``REGKB_ADMIN_PASSWORD`` holds either the password itself or, better, a PBKDF2 hash made by
``python -m regkb.admin`` (``pbkdf2_sha256$<iterations>$<salt hex>$<digest hex>``). A given
password is never compared as a string: both sides are turned into digests and compared with
``hmac.compare_digest``, which takes the same time wherever they differ.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import sys

from regkb.errors import ConfigError

PREFIX = "pbkdf2_sha256"
ITERATIONS = 200_000
ENV_VAR = "REGKB_ADMIN_PASSWORD"


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A value for REGKB_ADMIN_PASSWORD that does not reveal the password."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _pbkdf2(password, salt, iterations)
    return f"{PREFIX}${iterations}${salt.hex()}${digest.hex()}"


def _parse_hash(configured: str) -> tuple[int, bytes, bytes]:
    try:
        _, iterations, salt, digest = configured.split("$")
        return int(iterations), bytes.fromhex(salt), bytes.fromhex(digest)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_VAR}: malformed {PREFIX} hash; regenerate it with `python -m regkb.admin`"
        ) from exc


def admin_enabled(configured: str | None) -> bool:
    """Whether an admin password is configured at all (without one the page stays read-only)."""
    return bool(configured)


def verify_password(given: str, configured: str | None) -> bool:
    """True when given matches the configured password or hash; False when none is configured."""
    if not configured or not given:
        return False
    if configured.startswith(PREFIX + "$"):
        iterations, salt, expected = _parse_hash(configured)
        return hmac.compare_digest(_pbkdf2(given, salt, iterations), expected)
    given_digest = hashlib.sha256(given.encode("utf-8")).digest()
    configured_digest = hashlib.sha256(configured.encode("utf-8")).digest()
    return hmac.compare_digest(given_digest, configured_digest)


def main() -> int:
    """Prompt for a password and print the REGKB_ADMIN_PASSWORD value to export."""
    password = getpass.getpass("admin password: ")
    if not password:
        print("empty password; nothing to do", file=sys.stderr)
        return 1
    print(f"{ENV_VAR}='{hash_password(password)}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
