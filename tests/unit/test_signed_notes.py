"""C2SP signed notes, keys, checkpoints and cosignatures (projections.trust.notes):
each written form reads back to itself, and each malformed one is a NoteError
that says what was expected."""

from __future__ import annotations

import base64
import hashlib

import pytest

from projections.trust.notes import (
    COSIGNATURE_V1,
    ED25519,
    MAX_SIGNATURES,
    Note,
    NoteError,
    Signature,
    SignerKey,
    TreeHead,
    VerifierKey,
    cosign,
    cosignature_time,
    key_id,
)

ROOT = hashlib.sha256(b"a tree").digest()


def head(size: int = 7, root: bytes = ROOT) -> TreeHead:
    return TreeHead("example.com/log", size, root)


def test_a_key_id_is_the_first_four_bytes_of_the_hash_of_name_newline_type_and_key() -> None:
    public = bytes(range(32))
    expected = hashlib.sha256(b"example.com/log\n\x01" + public).digest()[:4]
    assert key_id("example.com/log", ED25519, public) == expected
    assert key_id("example.com/log", COSIGNATURE_V1, public) != expected


def test_signer_and_verifier_keys_read_back_to_the_same_key() -> None:
    for kind in (ED25519, COSIGNATURE_V1):
        key = SignerKey.generate("example.com/log", kind)
        again = SignerKey.parse(f"{key}\n")
        assert str(again) == str(key)
        assert again.verifier == key.verifier
        assert VerifierKey.parse(str(key.verifier)) == key.verifier
        assert str(key).startswith("PRIVATE+KEY+example.com/log+")


def test_a_verifier_key_is_name_hex_id_and_base64_of_type_and_public_key() -> None:
    key = SignerKey.generate("example.com/log").verifier
    name, hex_id, material = str(key).split("+", 2)  # base64 may hold '+' too
    raw = base64.b64decode(material)
    assert (name, raw[0], raw[1:]) == ("example.com/log", ED25519, key.public)
    assert bytes.fromhex(hex_id) == key.key_id


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("example.com/log", "expected NAME+KEYID+BASE64, got 1 part(s)"),
        ("+7fb017ea+AXNq", "expected a non-empty name without spaces or '+'"),
        ("a log+7fb017ea+AXNq", "expected a non-empty name without spaces or '+'"),
        ("log+7FB017EA+AXNq", "the key ID must be 8 lowercase hex digits"),
        ("log+7fb017ea+not base64!", "expected standard base64"),
        ("log+7fb017ea+" + base64.b64encode(b"\x01" + b"k" * 31).decode(), "32 key bytes"),
        ("log+7fb017ea+" + base64.b64encode(b"\x02" + b"k" * 32).decode(), "0x01 Ed25519"),
    ],
)
def test_a_malformed_verifier_key_is_refused_saying_what_is_expected(text: str, said: str) -> None:
    with pytest.raises(NoteError) as refused:
        VerifierKey.parse(text)
    assert said in str(refused.value)


def test_a_verifier_key_whose_id_does_not_match_its_name_and_key_is_refused() -> None:
    key = SignerKey.generate("example.com/log").verifier
    renamed = str(key).replace("example.com/log", "example.com/other", 1)
    with pytest.raises(
        NoteError, match=f"expected {key_id('example.com/other', 1, key.public).hex()}"
    ):
        VerifierKey.parse(renamed)


def test_a_signer_key_must_start_with_private_key_and_match_its_id() -> None:
    key = SignerKey.generate("example.com/log")
    with pytest.raises(NoteError, match="expected text starting with PRIVATE\\+KEY\\+"):
        SignerKey.parse(str(key.verifier))
    name, hex_id, material = str(key).removeprefix("PRIVATE+KEY+").split("+", 2)
    other = "00000000" if hex_id != "00000000" else "11111111"
    with pytest.raises(NoteError, match=f"the key ID {other} does not match the key"):
        SignerKey.parse(f"PRIVATE+KEY+{name}+{other}+{material}")


def test_a_checkpoint_signed_and_written_reads_back_and_verifies() -> None:
    key = SignerKey.generate("example.com/log")
    note = head().sign(key)
    text = str(note)
    signed = base64.b64encode(key.verifier.key_id + key.sign(note.text.encode())).decode()
    assert text == (
        f"example.com/log\n7\n{base64.b64encode(ROOT).decode()}\n\n"
        f"\u2014 example.com/log {signed}\n"
    )
    again = Note.parse(text.encode())
    assert again == note
    assert TreeHead.parse(again.text) == head()
    assert again.verified_by(key.verifier)
    assert not again.verified_by(SignerKey.generate("example.com/log").verifier)


def test_a_note_whose_text_changed_no_longer_verifies() -> None:
    key = SignerKey.generate("example.com/log")
    note = head().sign(key)
    changed = Note.parse(str(note).replace("\n7\n", "\n8\n"))
    assert not changed.verified_by(key.verifier)


def test_a_note_with_one_bad_line_of_a_key_is_not_verified_by_that_key() -> None:
    key = SignerKey.generate("example.com/log")
    note = head().sign(key)
    good = note.signatures[0]
    bad = Signature(good.name, good.key_id, bytes(64))
    assert not note.with_signatures(bad).verified_by(key.verifier)


def test_extension_lines_after_the_root_are_kept_in_a_checkpoints_text() -> None:
    text = head().text + "extension line\n"
    assert TreeHead.parse(text) == head()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xff\xfe", "a signed note must be UTF-8"),
        ("text\r\n\n\u2014 a AAAAAAA=\n", "no control characters but newlines"),
        ("text\n\u2014 a AAAAAAA=\n", "text, a blank line, then signature lines"),
        ("text\n\n\u2014 a AAAAAAA=", "text, a blank line, then signature lines"),
        ("text\n\n", "at least one signature line"),
        ("text\n\n- a AAAAAAA=\n", "expected '\u2014 NAME BASE64'"),
        ("text\n\n\u2014 a AAAAAAA= extra\n", "expected '\u2014 NAME BASE64'"),
        ("text\n\n\u2014 a AAAA\n", "too short for a key ID and a signature"),
        ("text\n\n\u2014 a !!!!\n", "signature line: expected standard base64"),
        ("text\n\n\u2014 a+b AAAAAAA=\n", "expected a non-empty name without spaces or '+'"),
        (
            "text\n\n" + "\u2014 a AAAAAAA=\n" * (MAX_SIGNATURES + 1),
            f"at most {MAX_SIGNATURES} signature lines",
        ),
    ],
)
def test_a_malformed_note_is_refused_saying_what_a_note_is(data: str | bytes, said: str) -> None:
    with pytest.raises(NoteError) as refused:
        Note.parse(data)
    assert said in str(refused.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("example.com/log\n7\n", "an origin, a tree size and a root hash, a line each"),
        ("example.com/log\n7\nroot", "an origin, a tree size and a root hash, a line each"),
        ("\n7\n" + base64.b64encode(ROOT).decode() + "\n", "its origin, is empty"),
        ("log\n07\n" + base64.b64encode(ROOT).decode() + "\n", "tree size '07': expected"),
        ("log\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "expected a decimal"),
        ("log\n7\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "expected 32 bytes"),
        ("log\n7\n" + ROOT.hex() + "\n", "root hash: expected 32 bytes"),
        ("log\n7\n" + ROOT.hex()[:-1] + "\n", "root hash: expected standard base64"),
    ],
)
def test_a_malformed_checkpoint_text_is_refused_saying_what_is_expected(
    text: str, said: str
) -> None:
    with pytest.raises(NoteError) as refused:
        TreeHead.parse(text)
    assert said in str(refused.value)


def test_a_cosignature_carries_its_time_and_verifies_only_under_the_witness_key() -> None:
    log = SignerKey.generate("example.com/log")
    witness = SignerKey.generate("example.com/witness", COSIGNATURE_V1)
    note = head().sign(log)
    line = cosign(witness, note.text, 1_700_000_000)
    assert line.signature[:8] == (1_700_000_000).to_bytes(8, "big")
    assert len(line.signature) == 8 + 64
    assert line.key_id == key_id("example.com/witness", COSIGNATURE_V1, witness.verifier.public)
    cosigned = Note.parse(str(note.with_signatures(line)))
    assert cosigned.verified_by(log.verifier)
    assert cosigned.verified_by(witness.verifier)
    assert cosignature_time(witness.verifier, note.text, line) == 1_700_000_000
    assert cosignature_time(witness.verifier, head(8).text, line) is None
    # The same bytes under the log's own signature type are another key.
    as_log_key = VerifierKey(witness.name, ED25519, witness.verifier.public)
    assert not cosigned.verified_by(as_log_key)


def test_a_cosignature_with_another_time_than_it_signed_does_not_verify() -> None:
    witness = SignerKey.generate("example.com/witness", COSIGNATURE_V1)
    line = cosign(witness, head().text, 1_700_000_000)
    moved = Signature(
        line.name, line.key_id, (1_700_000_001).to_bytes(8, "big") + line.signature[8:]
    )
    assert cosignature_time(witness.verifier, head().text, moved) is None


def test_only_a_witness_key_cosigns() -> None:
    with pytest.raises(NoteError, match="keys create --witness"):
        cosign(SignerKey.generate("example.com/log"), head().text, 1)


def test_a_signature_line_is_counted_once_when_added_again() -> None:
    key = SignerKey.generate("example.com/log")
    note = head().sign(key)
    assert note.with_signatures(*note.signatures) == note
