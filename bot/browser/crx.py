"""The real Phantom as a file: read and check a CRX3 package, then unpack it where the bot finds it.

CRX3 (Chromium ``components/crx_file/crx3.proto`` and ``crx_verifier.cc``): ``"Cr24"``, a little-endian
uint32 version (3), a little-endian uint32 header length N, N bytes of ``CrxFileHeader`` (protobuf), then the
ZIP archive. ``CrxFileHeader``: field 2 ``sha256_with_rsa`` and field 3 ``sha256_with_ecdsa`` (each an
``AsymmetricKeyProof``: 1 ``public_key`` as DER SubjectPublicKeyInfo, 2 ``signature``), field 10000
``signed_header_data`` (a ``SignedData``: 1 ``crx_id``, 16 bytes). Every signature covers
``b"CRX3 SignedData\\x00"`` + uint32 LE length of the signed header data + the signed header data + the archive.
An extension's id is the first 16 bytes of sha256(public key DER), hex digits 0-f written as a-p.

The vendor publishes its Chrome Web Store package at :data:`PHANTOM_CRX_URL`; the maintained automation of
Phantom downloads it from there (npm ``@synthetixio/synpress-phantom`` 0.0.14, ``prepareExtensionPhantom.ts``;
npm ``@phantom/synpress`` 4.0.0-alpha.53, ``helpers.js``). A package is accepted only if its developer key's
id is Phantom's Web Store id and every signature in it verifies.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import struct
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.browser.errors import ExtensionInvalid
from bot.browser.launch import extension_names

PHANTOM_EXTENSION_ID = "bfnaelmomeimhlpmgjnjophhpkkoljpa"  # Phantom's Chrome Web Store id
PHANTOM_CRX_URL = "https://crx-backup.phantom.dev/latest.crx"
MAGIC = b"Cr24"
MAX_HEADER_BYTES = 1 << 18  # Chromium's own limit for a CRX3 header
MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # Phantom is tens of MB; far beyond that is not a wallet package
SIGNATURE_CONTEXT = b"CRX3 SignedData\x00"
RECORD_NAME = "installed.json"
_VERSION = re.compile(r"^\d{1,9}(\.\d{1,9}){0,3}$")  # Chrome's version format, also a safe directory name


class CrxRefused(ValueError):
    """The file is not a CRX3 package of the expected extension; the message is one line saying why."""


class DownloadFailed(OSError):
    """The package could not be fetched (network, HTTP status, size); one line saying why."""


@dataclass(frozen=True, slots=True)
class CrxPackage:
    """A checked package: the developer key's id, that key (DER) and the ZIP archive."""

    extension_id: str
    public_key: bytes
    archive: bytes


@dataclass(frozen=True, slots=True)
class InstalledExtension:
    """What ``rugsbot wallet install`` left in the data dir (read back from its record)."""

    name: str
    version: str
    extension_id: str
    path: Path
    source: str


def extension_id(public_key_der: bytes) -> str:
    """Chrome's id for a key: sha256(DER)[:16] in hex, each digit 0-f written as a-p."""
    digest = hashlib.sha256(public_key_der).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise CrxRefused("CRX header is not a valid protobuf (truncated varint)")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, bytes]]:
    """(field number, bytes) of every length-delimited field; other wire types are stepped over."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > len(buf):
                raise CrxRefused("CRX header is not a valid protobuf (field runs past its end)")
            yield number, buf[pos : pos + length]
            pos += length
        else:
            raise CrxRefused(f"CRX header is not a valid protobuf (wire type {wire})")
        if pos > len(buf):
            raise CrxRefused("CRX header is not a valid protobuf (truncated field)")


def _verify(key_der: bytes, signature: bytes, signed: bytes, *, rsa: bool) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(key_der)
        if rsa and isinstance(key, RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            return True
        if not rsa and isinstance(key, EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError, TypeError):
        return False
    return False


def read_crx(data: bytes) -> CrxPackage:
    """Parse and verify a CRX3 package. Raises :class:`CrxRefused` (one line) for anything else."""
    if data[:2] == b"PK":
        raise CrxRefused("this is a ZIP archive, not a CRX package (the signed header is missing)")
    if len(data) < 12 or data[:4] != MAGIC:
        raise CrxRefused("not a CRX package (no 'Cr24' magic)")
    version, header_len = struct.unpack_from("<II", data, 4)
    if version != 3:
        raise CrxRefused(f"CRX version {version}; only CRX3 is accepted")
    if header_len > MAX_HEADER_BYTES:
        raise CrxRefused(f"CRX header of {header_len} bytes is larger than Chromium accepts")
    if 12 + header_len > len(data):
        raise CrxRefused(f"truncated CRX: header says {header_len} bytes, file has {len(data) - 12}")
    header, archive = data[12 : 12 + header_len], data[12 + header_len :]
    proofs: list[tuple[bool, bytes, bytes]] = []  # (rsa?, key, signature)
    signed_data = b""
    for number, value in _fields(header):
        if number in (2, 3):
            parts = dict(_fields(value))
            proofs.append((number == 2, parts.get(1, b""), parts.get(2, b"")))
        elif number == 10000:
            signed_data = value
    crx_id_raw = dict(_fields(signed_data)).get(1, b"")
    if len(crx_id_raw) != 16:
        raise CrxRefused("CRX header names no extension id (signed header data missing)")
    declared = "".join(chr(ord("a") + int(c, 16)) for c in crx_id_raw.hex())
    developer = next((key for _rsa, key, _sig in proofs if extension_id(key) == declared), None)
    if developer is None:
        raise CrxRefused(f"CRX declares id {declared} but carries no public key for it")
    if not archive:
        raise CrxRefused("truncated CRX: no archive after the header")
    signed = SIGNATURE_CONTEXT + struct.pack("<I", len(signed_data)) + signed_data + archive
    for is_rsa, key, sig in proofs:
        if not _verify(key, sig, signed, rsa=is_rsa):
            raise CrxRefused(
                f"signature of key {extension_id(key)} does not verify (damaged or altered file)"
            )
    return CrxPackage(declared, developer, archive)


def check_package(data: bytes, expected_id: str = PHANTOM_EXTENSION_ID) -> CrxPackage:
    """:func:`read_crx`, then the developer key must give ``expected_id``."""
    pkg = read_crx(data)
    if pkg.extension_id != expected_id:
        raise CrxRefused(f"package is extension {pkg.extension_id}, not Phantom ({expected_id})")
    return pkg


def download(url: str, *, timeout_s: float = 120.0, max_bytes: int = MAX_PACKAGE_BYTES) -> bytes:
    """GET ``url`` (http/https only). Raises :class:`DownloadFailed` with one line."""
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed(f"{url}: only http(s) URLs are fetched")
    req = urllib.request.Request(url, headers={"User-Agent": "rugsbot-wallet-install"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            body: bytes = resp.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise DownloadFailed(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadFailed(f"{url}: {reason}") from None
    if len(body) > max_bytes:
        raise DownloadFailed(f"{url}: larger than {max_bytes} bytes, not a wallet package")
    return body


def _extract(archive: bytes, target: Path) -> dict[str, object]:
    """Unpack the ZIP into ``target`` (no absolute paths, no ``..``, no links); return its manifest."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
    except zipfile.BadZipFile:
        raise CrxRefused("the archive inside the CRX is not a valid ZIP") from None
    with zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.filename.startswith("/") or ".." in parts or "\\" in info.filename:
                raise CrxRefused(f"archive entry {info.filename!r} points outside the extension")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise CrxRefused(f"archive entry {info.filename!r} is a symbolic link")
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError:
            raise CrxRefused("the archive has no manifest.json") from None
        except (ValueError, zipfile.BadZipFile) as exc:
            raise CrxRefused(f"manifest.json unreadable ({exc})") from None
        if not isinstance(manifest, dict):
            raise CrxRefused("manifest.json is not an object")
        try:
            zf.extractall(target)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise CrxRefused(f"archive unreadable ({exc})") from None
    return manifest


def install(
    data: bytes, data_dir: Path, *, source: str, expected_id: str = PHANTOM_EXTENSION_ID
) -> InstalledExtension:
    """Check ``data`` and unpack it to ``<data_dir>/extensions/phantom/<version>``; record it as installed.

    The developer key goes into the manifest (``"key"``: base64 DER) so Chromium gives the unpacked extension
    the same id as the Web Store one, wherever it lies. Raises :class:`CrxRefused`; ``OSError`` on disk errors.
    """
    pkg = check_package(data, expected_id)
    root = data_dir / "extensions" / "phantom"
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{time.time_ns()}"
    try:
        manifest = _extract(pkg.archive, staging)
        version = str(manifest.get("version", ""))
        if not _VERSION.match(version):
            raise CrxRefused(f"manifest version {version!r} is not a Chrome version number")
        try:
            names = extension_names(staging)
        except ExtensionInvalid:
            raise CrxRefused("manifest.json lacks manifest_version or name") from None
        manifest["key"] = base64.b64encode(pkg.public_key).decode("ascii")
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        name = names[-1]  # a store package's name is localised (__MSG_x__): keep the text
        target = root / version
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    record = {
        "name": name,
        "version": version,
        "id": pkg.extension_id,
        "path": str(target.resolve()),
        "source": source,
        "sha256": hashlib.sha256(data).hexdigest(),
        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp = root / (RECORD_NAME + ".tmp")
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(root / RECORD_NAME)
    return InstalledExtension(record["name"], version, pkg.extension_id, target.resolve(), source)


def installed(data_dir: Path) -> InstalledExtension | None:
    """The installed Phantom from its record, or None (no record, unreadable, or its directory is gone)."""
    path = data_dir / "extensions" / "phantom" / RECORD_NAME
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
        ext = InstalledExtension(
            str(rec["name"]), str(rec["version"]), str(rec["id"]), Path(rec["path"]), str(rec["source"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ext if (ext.path / "manifest.json").is_file() else None
