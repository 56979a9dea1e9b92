"""The stdio wire of the server: protocol lines in and out, shared by the handshake answered
while the SDK loads and by the SDK's own session afterwards.

The process's standard input and output are taken over once, at start: the wire reads and
writes private duplicates of the two descriptors, while descriptor 0 then reads the null
device and descriptor 1 writes to standard error, so that nothing a tool (or a library it
calls) prints can reach the client as a broken protocol message. (The SDK's own stdio
transport does the same when it owns the descriptors; here it is handed the wire's lines
instead.)

One thread reads the lines, so no line is ever split between two readers: it puts each
line in a queue, and :data:`END` when the client closes its side.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from enum import Enum
from typing import Any, BinaryIO


class Signal(Enum):
    """What the wire's queue holds besides lines."""

    #: The client closed standard input.
    END = "end"
    #: The SDK is loaded and the server built (put by the loader).
    READY = "ready"


END = Signal.END
READY = Signal.READY


class Wire:
    """The protocol's lines: a queue of the lines read, and the writer of the answers."""

    def __init__(self, source: BinaryIO, sink: BinaryIO) -> None:
        self.lines: queue.SimpleQueue[str | Signal] = queue.SimpleQueue()
        self._source = source
        self._sink = sink
        self._write_lock = threading.Lock()

    @classmethod
    def take_over_stdio(cls) -> Wire:
        """The wire on the process's standard input and output (see the module docstring)."""
        sys.stdout.flush()
        source = os.fdopen(os.dup(0), "rb")
        sink = os.fdopen(os.dup(1), "wb", buffering=0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(2, 1)
        return cls(source, sink)

    def start_reading(self) -> None:
        threading.Thread(target=self._read, name="threatgate-mcp-stdin", daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self._source:
                line = raw.decode("utf-8", errors="replace")
                if line.strip():
                    self.lines.put(line)
        except (OSError, ValueError):  # pragma: no cover - the descriptor went away
            pass
        self.lines.put(END)

    def feed(self, lines: Iterable[str]) -> None:
        """Queue lines as if the client had sent them (tests, the handshake capture)."""
        for line in lines:
            self.lines.put(line)

    def write_line(self, text: str) -> None:
        data = (text.rstrip("\n") + "\n").encode("utf-8")
        with self._write_lock:
            self._sink.write(data)
            self._sink.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write_line(json.dumps(message, separators=(",", ":"), ensure_ascii=False))


class SdkLines:
    """What the SDK's stdio transport reads: lines replayed first, then the wire's.

    It is given in place of an ``anyio.AsyncFile``: the transport only iterates it.
    """

    def __init__(self, wire: Wire, replay: list[str]) -> None:
        self._wire = wire
        self._replay = list(replay)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        import anyio.to_thread

        for replayed in self._replay:
            yield replayed
        while True:
            line = await anyio.to_thread.run_sync(self._next_line, abandon_on_cancel=True)
            if isinstance(line, Signal):
                return
            yield line

    def _next_line(self) -> str | Signal:
        return self._wire.lines.get()


class SdkAnswers:
    """Where the SDK's stdio transport writes: the wire, except the SDK's own answers to
    requests already answered (the handshake replayed to it, so that its session knows
    the client)."""

    def __init__(self, wire: Wire, answered: set[Any]) -> None:
        self._wire = wire
        self._answered = set(answered)

    async def write(self, text: str) -> None:
        import anyio.to_thread

        if self._answered and self._already_answered(text):
            return
        await anyio.to_thread.run_sync(self._wire.write_line, text)

    async def flush(self) -> None:
        """Every line is flushed as it is written."""

    def _already_answered(self, text: str) -> bool:
        try:
            message = json.loads(text)
        except ValueError:
            return False
        if not isinstance(message, dict) or "method" in message:
            return False
        key = message.get("id")
        if key in self._answered:
            self._answered.discard(key)
            if "error" in message:  # the client was told otherwise: say so where it shows
                print(f"threatgate mcp: the SDK refused the replayed request {key!r}: "
                      f"{message['error']}", file=sys.stderr)
            return True
        return False
