"""A minimal SMTP server that accepts every message: the benchmark's mail server.

Python 3.13 has no `smtpd` module and the project does not depend on `aiosmtpd`, so this is a
small asyncio implementation of just what smtplib (Django's SMTP backend) speaks without TLS or
authentication: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It runs its own event loop in a
daemon thread of the calling process and records one header of every message it accepts.
"""

import asyncio
import contextlib
import email.policy
import threading
from email.parser import BytesHeaderParser

_HEADERS = BytesHeaderParser(policy=email.policy.default)


class SmtpSink:
    """Accepts every message on 127.0.0.1:<port>; keeps the value of `header` of each.

    `start()` returns the port (chosen by the OS). `count` and `values()` may be read from any
    thread while the sink runs.
    """

    def __init__(self, header: str = "X-SRO-Reminder"):
        self.header = header
        self.port: int | None = None
        self._lock = threading.Lock()
        self._count = 0  # messages accepted, with or without the header
        self._values: list[str] = []
        self._recipients: list[str] = []  # the To header of every message
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    # --- Control (called from the benchmark's thread) ---------------------------------------

    def start(self) -> int:
        self._thread = threading.Thread(target=self._run, name="smtp-sink", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10) or self.port is None:
            raise RuntimeError(f"The SMTP sink did not start: {self._error!r}")
        return self.port

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def recipients(self) -> list[str]:
        with self._lock:
            return list(self._recipients)

    def values(self) -> list[str]:
        """The `header` value of every accepted message so far, in arrival order."""
        with self._lock:
            return list(self._values)

    # --- The server (runs in the sink's thread) ---------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start() if it happens before ready
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._session, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
        # Leaving `async with` closes the listening socket; Django's backend has sent QUIT on
        # every connection by the time the benchmark stops the sink.

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One SMTP connection (Django's backend opens one per email.send())."""
        try:
            await _reply(writer, b"220 smtp-sink ready")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    await _reply(writer, b"250-smtp-sink", b"250 8BITMIME")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    await _reply(writer, b"250 OK")
                elif verb == b"DATA":
                    await _reply(writer, b"354 End data with <CR><LF>.<CR><LF>")
                    self._accept(await _read_data(reader))
                    await _reply(writer, b"250 OK: queued")
                elif verb == b"QUIT":
                    await _reply(writer, b"221 Bye")
                    break
                else:
                    await _reply(writer, b"502 Command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to record
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _accept(self, data: bytes) -> None:
        headers = _HEADERS.parsebytes(data)
        value = headers.get(self.header)
        with self._lock:
            self._count += 1
            self._recipients.append(str(headers.get("To", "")).strip())
            if value is not None:
                self._values.append(str(value).strip())


async def _reply(writer: asyncio.StreamWriter, *lines: bytes) -> None:
    writer.write(b"".join(line + b"\r\n" for line in lines))
    await writer.drain()


async def _read_data(reader: asyncio.StreamReader) -> bytes:
    """The message after DATA, up to the lone "." line, with dot-stuffing undone (RFC 5321)."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            raise asyncio.IncompleteReadError(b"".join(lines), None)
        if line in (b".\r\n", b".\n"):
            return b"".join(lines)
        lines.append(line[1:] if line.startswith(b".") else line)
