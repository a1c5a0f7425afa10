"""Signed notes, checkpoints and cosignatures as C2SP specifies them.

- c2sp.org/signed-note: a text ending in a newline, a blank line, then one
  line per signature, `— NAME BASE64(key ID || signature)`. The key ID is the
  first four bytes of SHA-256(name || 0x0A || type || public key); type 0x01
  is Ed25519 over the text, 0x04 a timestamped witness cosignature.
- c2sp.org/tlog-checkpoint: the text is the log's origin, the tree size in
  decimal and the root hash in base64, a line each.
- c2sp.org/tlog-cosignature (v1, Ed25519): a witness signs
  `cosignature/v1\\ntime T\\n` followed by the checkpoint's text, and its
  signature is the 8-byte big-endian T, then the 64-byte Ed25519 signature.

Keys are written as Go's `note` package writes them: a verifier key is
`NAME+HEX KEY ID+BASE64(type || public key)`, a signer key the same with
`PRIVATE+KEY+` before it and the 32-byte seed in place of the public key.
Ed25519 itself is the `cryptography` package's; nothing here does arithmetic.

Errors::

    ValueError
    └── NoteError     a key, note or checkpoint that does not parse
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

# `cryptography` is imported where a key is made or a signature checked: every
# command imports this module (the read side names the signer), few sign.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "Note",
    "NoteError",
    "Signature",
    "SignerKey",
    "TreeHead",
    "VerifierKey",
    "cosign",
    "cosignature_time",
    "key_id",
]

ED25519 = 0x01
"""The signature type of a log's own Ed25519 signature."""
COSIGNATURE_V1 = 0x04
"""The signature type of a timestamped Ed25519 witness cosignature."""
_TYPES = (ED25519, COSIGNATURE_V1)
_DASH = "\u2014"
_PRIVATE = "PRIVATE+KEY+"
# Key names: non-empty, no spaces, no '+' (signed-note §Format).
_NAME = re.compile(r"[^\s+]+")
_U64 = struct.Struct(">Q")
MAX_SIGNATURES = 64
"""More signature lines than this make a note refused (the spec asks for at least 16)."""


class NoteError(ValueError):
    """A key, signed note or checkpoint that does not parse; the message says why."""


def key_id(name: str, kind: int, public: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4]: the ID a signature line carries."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: expected standard base64") from None


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r}: expected a non-empty name without spaces or '+'")
    return name


def _parse_key_parts(text: str, what: str) -> tuple[str, bytes, int, bytes]:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what}: expected NAME+KEYID+BASE64, got {len(parts)} part(s)")
    name, hex_id, material = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"{what}: the key ID must be 8 lowercase hex digits, got {hex_id!r}")
    raw = _b64decode(material, what)
    if len(raw) != 33 or raw[0] not in _TYPES:
        raise NoteError(
            f"{what}: expected a type byte (0x01 Ed25519 or 0x04 cosignature) and 32 key bytes"
        )
    return name, bytes.fromhex(hex_id), raw[0], raw[1:]


@dataclass(frozen=True)
class VerifierKey:
    """A public key with its name and signature type: what checks a signature line."""

    name: str
    kind: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Read `NAME+KEYID+BASE64`; raise NoteError when it is malformed or its ID is wrong."""
        name, given, kind, public = _parse_key_parts(text, "verifier key")
        key = cls(name, kind, public)
        if key.key_id != given:
            raise NoteError(
                f"verifier key: the key ID {given.hex()} does not match the name and key "
                f"(expected {key.key_id.hex()})"
            )
        return key

    def __str__(self) -> str:
        material = base64.b64encode(bytes([self.kind]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's Ed25519 signature of `message`."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """An Ed25519 private key with its name and signature type."""

    name: str
    kind: int
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str, kind: int = ED25519) -> SignerKey:
        """A new random key (the operating system's random source)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(_check_name(name), kind, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        """Read `PRIVATE+KEY+NAME+KEYID+BASE64(type || seed)`; raise NoteError."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        text = text.strip()
        if not text.startswith(_PRIVATE):
            raise NoteError("signer key: expected text starting with PRIVATE+KEY+")
        name, given, kind, seed = _parse_key_parts(text[len(_PRIVATE) :], "signer key")
        key = cls(name, kind, Ed25519PrivateKey.from_private_bytes(seed))
        if key.verifier.key_id != given:
            raise NoteError(f"signer key: the key ID {given.hex()} does not match the key")
        return key

    @property
    def verifier(self) -> VerifierKey:
        public = self.private.public_key().public_bytes_raw()
        return VerifierKey(self.name, self.kind, public)

    def __str__(self) -> str:
        seed = self.private.private_bytes_raw()
        material = base64.b64encode(bytes([self.kind]) + seed).decode()
        return f"{_PRIVATE}{self.name}+{self.verifier.key_id.hex()}+{material}"

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of `message` (deterministic: RFC 8032)."""
        return self.private.sign(message)


@dataclass(frozen=True)
class Signature:
    """One signature line: the signer's name, key ID and signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode()
        return f"{_DASH} {self.name} {encoded}\n"

    @classmethod
    def parse(cls, line: str) -> Signature:
        """Read one `— NAME BASE64` line (without its newline); raise NoteError."""
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH:
            raise NoteError(f"signature line {line[:80]!r}: expected '{_DASH} NAME BASE64'")
        raw = _b64decode(parts[2], "signature line")
        if len(raw) < 5:
            raise NoteError("signature line: too short for a key ID and a signature")
        return cls(_check_name(parts[1]), raw[:4], raw[4:])

    def by(self, key: VerifierKey) -> bool:
        """Whether this line claims to be `key`'s: same name and key ID."""
        return self.name == key.name and self.key_id == key.key_id


@dataclass(frozen=True)
class Note:
    """A signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[Signature, ...]

    @classmethod
    def parse(cls, data: str | bytes) -> Note:
        """Read a signed note; raise NoteError when it is not one."""
        if isinstance(data, bytes):
            try:
                data = data.decode()
            except UnicodeDecodeError:
                raise NoteError("a signed note must be UTF-8") from None
        if any(ord(c) < 0x20 and c != "\n" for c in data):
            raise NoteError("a signed note holds no control characters but newlines")
        cut = data.rfind("\n\n")
        if cut < 0 or not data.endswith("\n"):
            raise NoteError("a signed note is text, a blank line, then signature lines")
        lines = data[cut + 2 :].splitlines()
        if not lines:
            raise NoteError("a signed note has at least one signature line")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"a signed note has at most {MAX_SIGNATURES} signature lines here")
        return cls(data[: cut + 1], tuple(Signature.parse(line) for line in lines))

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def verified_by(self, key: VerifierKey) -> bool:
        """Whether a signature line of `key`'s is there and verifies (and none of its fails).

        A type 0x04 key checks cosignatures, whose message adds their time.
        """
        found = [s for s in self.signatures if s.by(key)]
        return bool(found) and all(self._verifies(key, s) for s in found)

    def _verifies(self, key: VerifierKey, sig: Signature) -> bool:
        if key.kind == COSIGNATURE_V1:
            return cosignature_time(key, self.text, sig) is not None
        return key.verifies(self.text.encode(), sig.signature)

    def with_signatures(self, *extra: Signature) -> Note:
        """This note with more signature lines, each once."""
        known = set(self.signatures)
        return Note(self.text, self.signatures + tuple(s for s in extra if s not in known))


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(key: SignerKey, text: str, timestamp: int) -> Signature:
    """A witness's cosignature (tlog-cosignature v1) of a checkpoint's text at `timestamp`."""
    if key.kind != COSIGNATURE_V1:
        raise NoteError(
            "a cosignature needs a key of type 0x04 (policy-timeline keys create --witness)"
        )
    signature = key.sign(_cosigned_message(text, timestamp))
    return Signature(key.name, key.verifier.key_id, _U64.pack(timestamp) + signature)


def cosignature_time(key: VerifierKey, text: str, sig: Signature) -> int | None:
    """The time a cosignature line states, when it is `key`'s and verifies; else None."""
    if not sig.by(key) or len(sig.signature) != 8 + 64:
        return None
    (timestamp,) = _U64.unpack(sig.signature[:8])
    if timestamp >= 2**63:
        return None
    if not key.verifies(_cosigned_message(text, timestamp), sig.signature[8:]):
        return None
    return int(timestamp)


@dataclass(frozen=True)
class TreeHead:
    """A checkpoint's text: the log's origin, its tree size and root hash."""

    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> TreeHead:
        """Read a checkpoint's text (extension lines after the third are allowed)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint is an origin, a tree size and a root hash, a line each")
        origin, size, root = lines[:3]
        if not origin:
            raise NoteError("a checkpoint's first line, its origin, is empty")
        if not re.fullmatch(r"0|[1-9][0-9]{0,18}", size):
            raise NoteError(f"a checkpoint's tree size {size[:30]!r}: expected a decimal")
        raw = _b64decode(root, "a checkpoint's root hash")
        if len(raw) != 32:
            raise NoteError("a checkpoint's root hash: expected 32 bytes")
        return cls(origin, int(size), raw)

    def sign(self, key: SignerKey) -> Note:
        """This tree head as a note signed by `key`."""
        signature = Signature(key.name, key.verifier.key_id, key.sign(self.text.encode()))
        return Note(self.text, (signature,))
