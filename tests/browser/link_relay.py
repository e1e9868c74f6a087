"""A TCP relay on 127.0.0.1 that behaves like a poor rural link between the browser and the
test server: a bandwidth cap each way (shared by all connections, as one radio link is), a
one-way latency, and a link that drops on a schedule, cutting every open connection (RST)
and refusing new ones while it is down. Chromium's offline emulation lets a request already
in flight finish; this does not, which is what a phone on a failing link sees.

Runs its own asyncio loop in a daemon thread; `set()` changes the link while it runs.
"""

import asyncio
import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class LinkShape:
    up_bps: float | None = None  # browser -> server, bytes/s; None: no cap
    down_bps: float | None = None  # server -> browser
    latency_s: float = 0.0  # one way
    up_for_s: float | None = None  # the link stays up this long, then drops...
    down_for_s: float = 0.0  # ...for this long; None up_for_s: it never drops


@dataclass
class LinkStats:
    connections: int = 0
    refused: int = 0  # connections attempted while the link was down
    cuts: int = 0  # drops of the link that cut at least one open connection
    cut_connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    drops: list[float] = field(default_factory=list)  # monotonic time of each drop


class _Pacer:
    """One direction's bandwidth, shared by every connection: bytes leave at most at bps."""

    def __init__(self) -> None:
        self.next_free = 0.0

    async def take(self, n: int, bps: float | None) -> None:
        if not bps:
            return
        now = time.monotonic()
        start = max(now, self.next_free)
        self.next_free = start + n / bps
        await asyncio.sleep(self.next_free - now)


CHUNK = 1024  # paced in small pieces, so a cut lands in the middle of a request


class LinkRelay:
    def __init__(self, target_port: int, shape: LinkShape | None = None):
        self.target_port = target_port
        self.shape = shape or LinkShape()
        self.stats = LinkStats()
        self.port = 0
        self._up = True
        self._open: set[asyncio.StreamWriter] = set()
        self._pacers = {"up": _Pacer(), "down": _Pacer()}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._schedule: asyncio.Task | None = None

    # --- control, from the test's thread ----------------------------------------------------

    def start(self) -> str:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="link-relay")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the link relay did not start")
        return f"http://127.0.0.1:{self.port}"

    def set(self, shape: LinkShape) -> None:
        """A new link shape from now on (its drop schedule starts with the link up)."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._reshape(shape), self._loop).result(5)

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(5)
        self._loop = None

    # --- the loop -----------------------------------------------------------------------------

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._schedule:
            self._schedule.cancel()
        self._cut_all()
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    async def _reshape(self, shape: LinkShape) -> None:
        self.shape = shape
        if self._schedule:
            self._schedule.cancel()
            self._schedule = None
        self._up = True
        if shape.up_for_s is not None:
            self._schedule = asyncio.get_running_loop().create_task(self._drops(shape))

    async def _drops(self, shape: LinkShape) -> None:
        while True:
            await asyncio.sleep(shape.up_for_s)
            self._up = False
            self.stats.drops.append(time.monotonic())
            if self._cut_all():
                self.stats.cuts += 1
            await asyncio.sleep(shape.down_for_s)
            self._up = True

    def _cut_all(self) -> int:
        cut = 0
        for writer in list(self._open):
            _reset(writer)
            cut += 1
        self._open.clear()
        self.stats.cut_connections += cut
        return cut

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        if not self._up:
            self.stats.refused += 1
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            _reset(writer)
            return
        self._open.update({writer, up_writer})
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer, "up")),
            asyncio.create_task(self._pipe(up_reader, writer, "down")),
        ]
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
            for w in (writer, up_writer):
                self._open.discard(w)
                with contextlib.suppress(Exception):
                    w.close()

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, way: str) -> None:
        """Bytes from src to dst, each piece delivered `latency` after it was read and paced."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if data is None:
                    with contextlib.suppress(Exception):
                        dst.write_eof()
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                bps = self.shape.up_bps if way == "up" else self.shape.down_bps
                await self._pacers[way].take(len(data), bps)
                if dst.is_closing():
                    return
                dst.write(data)
                await dst.drain()
                if way == "up":
                    self.stats.bytes_up += len(data)
                else:
                    self.stats.bytes_down += len(data)

        sender = asyncio.create_task(deliver())
        try:
            while True:
                data = await src.read(CHUNK)
                await queue.put((time.monotonic() + self.shape.latency_s, data or None))
                if not data:
                    break
            await sender
        except (ConnectionError, OSError):
            pass
        finally:
            sender.cancel()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes with RST, as a dropped link looks to the other end (no orderly FIN)."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(Exception):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()
