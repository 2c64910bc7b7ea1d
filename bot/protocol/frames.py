"""Engine.IO 4 + Socket.IO 4 text-frame codec.

The bot only ever *listens* to the page's socket, so decoding must never raise: a frame that cannot be
understood becomes an :class:`Undecodable` value the caller counts, never an exception that could kill
the decision loop. Arguments are kept as :class:`msgspec.Raw` slices so that a 300 KB ``gameHistory``
frame costs one scan here and its heavy parts are only parsed by whoever needs them (see events.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import msgspec

__all__ = [
    "EioType",
    "Packet",
    "SioType",
    "Undecodable",
    "decode",
    "encode_ack",
    "encode_connect",
    "encode_disconnect",
    "encode_event",
    "encode_open",
]


class EioType(IntEnum):
    OPEN = 0
    CLOSE = 1
    PING = 2
    PONG = 3
    MESSAGE = 4
    UPGRADE = 5
    NOOP = 6


class SioType(IntEnum):
    CONNECT = 0
    DISCONNECT = 1
    EVENT = 2
    ACK = 3
    CONNECT_ERROR = 4
    BINARY_EVENT = 5
    BINARY_ACK = 6


_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_STR = msgspec.json.Decoder(str)
_TRACE_MARK = b'"__trace"'
_ENC = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A frame we could not understand; ``reason`` is short and stable so it can be counted by kind."""

    reason: str
    sample: str  # the first 120 characters, for one log line


@dataclass(frozen=True, slots=True)
class Packet:
    """One decoded frame.

    ``args`` holds the raw JSON of every event/ack argument; ``data`` the raw JSON payload of open,
    connect and connect-error packets. ``name`` is set for events only.
    """

    eio: EioType
    sio: SioType | None = None
    namespace: str = "/"
    ack_id: int | None = None
    name: str | None = None
    args: tuple[msgspec.Raw, ...] = ()
    data: msgspec.Raw | None = None
    text: str = ""  # for ping/pong probes and messages with a plain string body

    @property
    def payload(self) -> msgspec.Raw | None:
        """The last argument that is not a ``{"__trace": true, ...}`` header (protocol.md: payload = last arg)."""
        for raw in reversed(self.args):
            if not is_trace_header(raw):
                return raw
        return None

    @property
    def is_event(self) -> bool:
        return self.sio is SioType.EVENT


def is_trace_header(raw: msgspec.Raw | bytes) -> bool:
    """True for the OpenTelemetry header object real events carry as their first argument."""
    head = memoryview(raw)[:64].tobytes()
    return head.startswith(b"{") and _TRACE_MARK in head


def decode(frame: str | bytes) -> Packet | Undecodable:
    """Decode one text frame. Never raises."""
    try:
        text = frame.decode("utf-8") if isinstance(frame, bytes | bytearray) else frame
        if not isinstance(text, str):
            return Undecodable("not-text", repr(frame)[:120])
        return _decode(text)
    except (msgspec.DecodeError, ValueError, UnicodeDecodeError, TypeError, IndexError) as exc:
        return Undecodable(type(exc).__name__, _sample(frame))
    except RecursionError:
        return Undecodable("too-deep", _sample(frame))


def _sample(frame: object) -> str:
    try:
        return str(frame)[:120]
    except Exception:  # pragma: no cover - str() of str/bytes does not fail
        return "<unprintable>"


def _decode(text: str) -> Packet | Undecodable:
    if not text:
        return Undecodable("empty", "")
    c0 = text[0]
    if not ("0" <= c0 <= "6"):
        return Undecodable("bad-eio-type", text[:120])
    eio = EioType(int(c0))
    if eio is EioType.OPEN:
        body = text[1:]
        if not body.startswith("{"):
            return Undecodable("bad-open", text[:120])
        raw = msgspec.Raw(body.encode())
        msgspec.json.decode(raw)  # validate JSON
        return Packet(eio=eio, data=raw)
    if eio is not EioType.MESSAGE:
        return Packet(eio=eio, text=text[1:])
    return _decode_sio(text)


def _decode_sio(text: str) -> Packet | Undecodable:
    if len(text) < 2 or not ("0" <= text[1] <= "6"):
        return Undecodable("bad-sio-type", text[:120])
    sio = SioType(int(text[1]))
    if sio in (SioType.BINARY_EVENT, SioType.BINARY_ACK):
        return Undecodable("binary-unsupported", text[:120])
    i = 2
    n = len(text)
    namespace = "/"
    if i < n and text[i] == "/":
        j = text.find(",", i)
        if j < 0:  # e.g. "40/admin" with no payload
            return Packet(eio=EioType.MESSAGE, sio=sio, namespace=text[i:])
        namespace = text[i:j]
        i = j + 1
    ack_id: int | None = None
    j = i
    while j < n and text[j].isdigit() and text[j].isascii():
        j += 1
    if j > i:
        if j - i > 15:
            return Undecodable("ack-id-too-long", text[:120])
        ack_id = int(text[i:j])
        i = j
    body = text[i:]
    if sio is SioType.EVENT or sio is SioType.ACK:
        if not body.startswith("["):
            return Undecodable("event-not-array", text[:120])
        args = _RAW_LIST.decode(body.encode())
        if sio is SioType.ACK:
            if ack_id is None:
                return Undecodable("ack-without-id", text[:120])
            return Packet(eio=EioType.MESSAGE, sio=sio, namespace=namespace, ack_id=ack_id, args=tuple(args))
        if not args:
            return Undecodable("event-without-name", text[:120])
        try:
            name = _STR.decode(args[0])
        except msgspec.ValidationError:
            return Undecodable("event-name-not-string", text[:120])
        return Packet(
            eio=EioType.MESSAGE, sio=sio, namespace=namespace, ack_id=ack_id, name=name, args=tuple(args[1:])
        )
    # CONNECT / DISCONNECT / CONNECT_ERROR: optional JSON object payload
    data: msgspec.Raw | None = None
    if body:
        raw = msgspec.Raw(body.encode())
        msgspec.json.decode(raw)
        data = raw
    return Packet(eio=EioType.MESSAGE, sio=sio, namespace=namespace, ack_id=ack_id, data=data)


# ---------------------------------------------------------------- encoding


def _ns_prefix(namespace: str) -> str:
    return "" if namespace in ("", "/") else namespace + ","


def encode_open(
    sid: str, ping_interval_ms: int = 25000, ping_timeout_ms: int = 20000, max_payload: int = 1_000_000
) -> str:
    body = {
        "sid": sid,
        "upgrades": [],
        "pingInterval": ping_interval_ms,
        "pingTimeout": ping_timeout_ms,
        "maxPayload": max_payload,
    }
    return "0" + _ENC.encode(body).decode()


def encode_connect(payload: object | None = None, namespace: str = "/") -> str:
    body = "" if payload is None else _ENC.encode(payload).decode()
    ns = "" if namespace in ("", "/") else namespace + ("," if body else "")
    return "40" + ns + body


def encode_disconnect(namespace: str = "/") -> str:
    return "41" + ("" if namespace in ("", "/") else namespace + ",")


def encode_event(name: str, *args: object, ack_id: int | None = None, namespace: str = "/") -> str:
    """``42[name, *args]``; pass ``trace_header()`` as the first arg to mimic traced events."""
    body = _ENC.encode([name, *args]).decode()
    return "42" + _ns_prefix(namespace) + ("" if ack_id is None else str(ack_id)) + body


def encode_ack(ack_id: int, *args: object, namespace: str = "/") -> str:
    return "43" + _ns_prefix(namespace) + str(ack_id) + _ENC.encode(list(args)).decode()


def trace_header(traceparent: str) -> dict[str, object]:
    return {"__trace": True, "traceparent": traceparent}
