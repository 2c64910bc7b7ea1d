"""``rugsbot wallet install``: a CRX3 built here (own RSA key, header written by hand) served over local HTTP.

Accepted when its key gives the expected id (the test's own key's id, passed as a parameter or substituted for
Phantom's); a wrong key, a truncated file, a ZIP, an altered archive and other junk are refused with one line.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import struct
import threading
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.browser import crx
from bot.cli import main
from bot.config import Settings
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE

MANIFEST = {  # localised like a store package: the name is resolved from _locales
    "manifest_version": 3,
    "name": "__MSG_extName__",
    "default_locale": "en",
    "version": "25.1.0",
    "background": {"service_worker": "background.js"},
}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _der(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        out += bytes([low | (0x80 if n else 0)])
        if not n:
            return out


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return buf.getvalue()


def build_crx(key: rsa.RSAPrivateKey, archive: bytes, declared_der: bytes | None = None) -> bytes:
    """CRX3 = "Cr24" | 3 | header length | CrxFileHeader{2: proof{1: key, 2: sig}, 10000: SignedData{1: id}} | ZIP."""
    der = _der(key)
    signed_data = _field(1, hashlib.sha256(declared_der or der).digest()[:16])
    message = b"CRX3 SignedData\x00" + struct.pack("<I", len(signed_data)) + signed_data + archive
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    header = _field(2, _field(1, der) + _field(2, signature)) + _field(10000, signed_data)
    return b"Cr24" + struct.pack("<II", 3, len(header)) + header + archive


def extension_files(manifest: dict[str, Any] = MANIFEST) -> dict[str, bytes]:
    return {
        "manifest.json": json.dumps(manifest).encode(),
        "background.js": b"self.addEventListener('install', () => {});\n",
        "_locales/en/messages.json": json.dumps({"extName": {"message": "Phantom"}}).encode(),
    }


@pytest.fixture(scope="module")
def own_key() -> rsa.RSAPrivateKey:
    return _key()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A 127.0.0.1 HTTP server; put bytes at a path in the dict, GET them back (404 otherwise)."""
    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files
    finally:
        with contextlib.suppress(Exception):
            server.shutdown()
        server.server_close()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RUGSBOT_EXTENSION_DIR", raising=False)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_extension_id_of_a_key_is_chromes() -> None:
    # sha256 prefix 0123... → a b c d: the a-p alphabet over the hex digits
    assert crx.extension_id(b"x") == "".join(
        "abcdefghijklmnop"[int(c, 16)] for c in hashlib.sha256(b"x").hexdigest()[:32]
    )


def test_served_crx_is_accepted_and_installed_with_its_key(
    served: tuple[str, dict[str, bytes]], own_key: rsa.RSAPrivateKey, data_dir: Path
) -> None:
    base, files = served
    files["/ok.crx"] = build_crx(own_key, _zip(extension_files()))
    own_id = crx.extension_id(_der(own_key))
    data = crx.download(base + "/ok.crx")
    ext = crx.install(data, data_dir, source=base + "/ok.crx", expected_id=own_id)
    assert (ext.version, ext.extension_id, ext.name) == ("25.1.0", own_id, "Phantom")
    assert ext.path == (data_dir / "extensions" / "phantom" / "25.1.0").resolve()
    manifest = json.loads((ext.path / "manifest.json").read_text())
    assert base64.b64decode(manifest["key"]) == _der(own_key)  # the id stays the key's, wherever it lies
    assert (ext.path / "_locales" / "en" / "messages.json").is_file()
    assert crx.installed(data_dir) == ext
    # the settings point at it unless RUGSBOT_EXTENSION_DIR says otherwise; a simulator run keeps the stand-in
    from bot.sim.assets import extension_dir

    assert Settings().wallet_extension_dir() == ext.path
    assert Settings().wallet_extension_dir(sim=True) == extension_dir()
    assert Settings(extension_dir=Path("/elsewhere")).wallet_extension_dir() == Path("/elsewhere")


def test_cli_install_then_doctor_shows_the_version(
    served: tuple[str, dict[str, bytes]],
    own_key: rsa.RSAPrivateKey,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, files = served
    files["/latest.crx"] = build_crx(own_key, _zip(extension_files({**MANIFEST, "version": "25.2.1"})))
    monkeypatch.setattr(crx, "PHANTOM_EXTENSION_ID", crx.extension_id(_der(own_key)))  # our key plays Phantom
    assert main(["wallet", "install", "--url", base + "/latest.crx"]) == EXIT_OK
    out = capsys.readouterr().out.strip()
    assert out.startswith("installed Phantom 25.2.1") and "\n" not in out
    from bot.ops.doctor import DoctorInputs, Level, check_extension

    row = check_extension(DoctorInputs(settings=Settings(), needs_wallet=True))
    assert row.level is Level.OK and "Phantom 25.2.1" in row.detail and "wallet install" in row.detail
    # --from FILE: the same package downloaded by hand, installed again as another version
    path = data_dir.parent / "by-hand.crx"
    path.write_bytes(build_crx(own_key, _zip(extension_files({**MANIFEST, "version": "25.3.0"}))))
    assert main(["wallet", "install", "--from", str(path), "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["version"] == "25.3.0"
    again = crx.installed(data_dir)
    assert again is not None and again.version == "25.3.0"


def _refusals(own_key: rsa.RSAPrivateKey) -> list[tuple[str, bytes, str]]:
    good = build_crx(own_key, _zip(extension_files()))
    other = _key()
    absent_der = b"a key the header does not carry"
    return [
        ("wrong key", good, "not Phantom (bfnaelmomeimhlpmgjnjophhpkkoljpa)"),
        (
            "id without its key",
            build_crx(other, _zip(extension_files()), declared_der=absent_der),
            "no public key",
        ),
        ("truncated archive", good[: len(good) - 200], "does not verify"),
        ("truncated header", good[:40], "truncated CRX"),
        ("zip", _zip(extension_files()), "ZIP archive, not a CRX"),
        ("altered archive", good[:-1] + bytes([good[-1] ^ 1]), "does not verify"),
        ("crx2", b"Cr24" + struct.pack("<III", 2, 0, 0), "only CRX3"),
        ("html", b"<!doctype html><title>404</title>", "no 'Cr24' magic"),
        ("empty", b"", "no 'Cr24' magic"),
    ]


def test_refused_packages_say_why_in_one_line(
    served: tuple[str, dict[str, bytes]],
    own_key: rsa.RSAPrivateKey,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, files = served
    for name, body, reason in _refusals(own_key):
        files[f"/{name.replace(' ', '-')}.crx"] = body
        for argv in (
            ["--url", f"{base}/{name.replace(' ', '-')}.crx"],
            ["--from", str(_write(data_dir, body))],
        ):
            assert main(["wallet", "install", *argv]) == EXIT_USAGE, name
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith("rugsbot wallet install: refused"), (name, err)
            assert reason in err, (name, err)
    assert crx.installed(data_dir) is None  # nothing was installed by any of them
    assert not (data_dir / "extensions").exists()


def _write(data_dir: Path, body: bytes) -> Path:
    path = data_dir.parent / f"pkg-{hashlib.sha256(body).hexdigest()[:8]}.crx"
    path.write_bytes(body)
    return path


def test_download_failures_are_environment_errors(
    served: tuple[str, dict[str, bytes]], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _files = served
    for url, text in ((base + "/missing.crx", "HTTP 404"), ("http://127.0.0.1:9/x.crx", "download failed")):
        assert main(["wallet", "install", "--url", url]) == EXIT_ENVIRONMENT
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and text in err and "--from FILE" in err
    assert main(["wallet", "install", "--from", str(data_dir / "absent.crx")]) == EXIT_USAGE
    assert "cannot read" in capsys.readouterr().err
    assert main(["wallet"]) == EXIT_USAGE


@pytest.mark.browser
def test_installed_extension_keeps_its_id_and_is_found_by_name(
    own_key: rsa.RSAPrivateKey, data_dir: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    from bot.browser.launch import launch
    from bot.config import Profile
    from tests.execution.conftest import browser_available

    if not browser_available():
        pytest.skip("no Chromium found")
    own_id = crx.extension_id(_der(own_key))
    ext = crx.install(
        build_crx(own_key, _zip(extension_files())), data_dir, source="test", expected_id=own_id
    )

    async def loaded_id() -> str | None:
        b = await launch(
            Settings(),
            Profile(),
            headless=True,
            extension_dir=Settings().wallet_extension_dir(),
            profile_dir=data_dir / "profile",
            trace=False,
        )
        try:
            return b.extension_id
        finally:
            await b.close()

    assert Settings().wallet_extension_dir() == ext.path
    assert run(loaded_id()) == own_id  # the key in the manifest, not the directory, made the id
