"""The issuer's signing key: loaded from the environment or a file, never from the repository.

``python -m certificates.signing.keys PATH`` creates a key file for a demo (once; an existing
file is kept, so certificates issued earlier still verify) and prints its public Multikey.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from certificates.settings import CertificatesSettings
from certificates.signing.multikey import SigningKey


class SigningKeyError(RuntimeError):
    """No usable signing key is configured; the service refuses to start."""


def load_signing_key(settings: CertificatesSettings) -> SigningKey:
    secret, path = settings.signing_key, settings.signing_key_file
    if secret is not None and path is not None:
        raise SigningKeyError(
            "set CERTIFICATES_SIGNING_KEY or CERTIFICATES_SIGNING_KEY_FILE, not both"
        )
    if secret is not None:
        text, source = secret.get_secret_value(), "CERTIFICATES_SIGNING_KEY"
    elif path is not None:
        try:
            text, source = path.read_text(encoding="ascii"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            raise SigningKeyError(f"cannot read the signing key file {path}: {error}") from None
    else:
        raise SigningKeyError(
            "no signing key: set CERTIFICATES_SIGNING_KEY (PEM or base64 seed) or "
            "CERTIFICATES_SIGNING_KEY_FILE; `python -m certificates.signing.keys PATH` makes one"
        )
    try:
        return SigningKey.load(text)
    except ValueError as error:  # the messages never echo the key
        raise SigningKeyError(f"the signing key in {source} is not usable: {error}") from None


def ensure_key_file(path: Path) -> SigningKey:
    """The key in ``path``, generated first if the file does not exist (readable by the owner
    only)."""
    if path.exists():
        return SigningKey.load(path.read_text(encoding="ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key.private_pem())
    return key


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m certificates.signing.keys PATH", file=sys.stderr)
        return 2
    print(ensure_key_file(Path(argv[0])).public_multikey())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
