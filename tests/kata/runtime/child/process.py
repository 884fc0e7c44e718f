"""The kata's side of a subject process: start it walled in, ask it, end it whole.

`Child(exercise, source)` is one process running server.py for one exercise, started on
first use. `request` sends one message and waits for the answer, reading only frames in the
codec's format; while it waits, the limits hold here, outside the student's reach:

- a call the child says is stuck past its limit, and a request with no answer past its
  backstop, end the child;
- a child that dies (a crash, an exit the server could not stop) is a fact, with the last
  lines it wrote;
- after every end the child's whole process group (its PID namespace under bubblewrap) is
  killed before anything else happens, so nothing it started lives on.

What the student's code prints is read by a thread of its own, kept up to a bound, and handed
to the caller after each request.
"""

from __future__ import annotations

import contextlib
import enum
import os
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, TypeAlias

from tests.kata.paths import KATA, ROOT
from tests.kata.runtime.child import codec, sandbox

HERE = Path(__file__).resolve().parent
OUTPUT_LIMIT = 64 * 1024  # characters of the student's printing kept per request
Message: TypeAlias = "tuple[dict[str, Any], list[bytes]]"  # a header and its blobs


class _Nothing(enum.Enum):
    NOTHING = 0


NOTHING: Final = _Nothing.NOTHING  # _receive: no message yet
GRACE = 2.0  # seconds after the child says a call is stuck before it is ended


class Ended(Exception):  # noqa: N818
    """The child is gone: `why` says how (a crash, a kill after a hang, an exit)."""

    def __init__(
        self,
        why: str,
        stuck: dict[str, Any] | None = None,
        output: str = "",
        running: str | None = None,
    ):
        super().__init__(why)
        self.why, self.stuck, self.output = why, stuck, output
        self.running = running  # the student's function that was running, from the beacon


# --- the runtime: the server's own files, written once per run ----------------------------------
class Runtime:
    """A folder holding the package kata_runtime (the server and the modules it needs),
    written on first use and removed by remove(); a run owns one for all its children."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def folder(self) -> Path:
        if self.path is None:
            root = Path(tempfile.mkdtemp(prefix="kata-runtime-"))
            root.chmod(0o755)  # read by the subject process, also when it runs as another user
            package = root / "kata_runtime"
            package.mkdir()
            (package / "__init__.py").write_text("", encoding="utf-8")
            for source in (
                HERE / "server.py",
                HERE / "codec.py",
                HERE / "errstate.py",
                HERE / "mainrun.py",
                HERE.parent / "state.py",
                KATA / "bench" / "hotspot.py",
            ):
                shutil.copyfile(source, package / source.name)
            self.path = root
        return self.path

    def remove(self) -> None:
        path, self.path = self.path, None
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """A pipe of the subject process: Popen made them all (stdin, stdout, stderr)."""
    if stream is None:
        raise OSError("the subject process has no such pipe")
    return stream


# --- one child ----------------------------------------------------------------------------------
END_MARK = "\0"  # server.END_MARK: the end of one request's output


@dataclass
class Output:
    """What the child wrote on its output pipe, kept up to OUTPUT_LIMIT characters."""

    parts: list[str] = field(default_factory=list)
    kept: int = 0
    dropped: int = 0
    marks: int = 0  # END_MARKs seen: the requests whose output has all arrived
    lock: threading.Condition = field(default_factory=threading.Condition)

    def add(self, text: str) -> None:
        with self.lock:
            if END_MARK in text:
                self.marks += text.count(END_MARK)
                text = text.replace(END_MARK, "")
                self.lock.notify_all()
            room = OUTPUT_LIMIT - self.kept
            if room > 0:
                self.parts.append(text[:room])
                self.kept += min(room, len(text))
            self.dropped += max(0, len(text) - max(room, 0))

    def settle(self, answered: int, timeout: float = 0.5) -> None:
        """Wait until the output of `answered` requests has arrived (the child writes END_MARK
        after each request's output, before its answer; the pipe is read by another thread)."""
        with self.lock:
            self.lock.wait_for(lambda: self.marks >= answered, timeout)

    def take(self) -> str:
        with self.lock:
            text = "".join(self.parts)
            if self.dropped:
                text += f"\n[... {self.dropped} more characters printed, not shown]\n"
            self.parts, self.kept, self.dropped = [], 0, 0
            return text


class Beacon:
    """The kata's end of server.Beacon: a small shared file, mapped in both processes."""

    LAYOUT = struct.Struct("<dI")

    def __init__(self) -> None:
        self.file = None
        self.fd: int | None = None
        if os.name != "posix":  # no descriptors to pass: the test's own limit is the backstop
            return
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self.file.write(b"\0" * self.LAYOUT.size)
        self.file.flush()
        self.fd = self.file.fileno()

    def read(self) -> tuple[float, int] | None:
        """(when the running call started, its function's index), or None: no call runs.

        Read with pread, not mapped: a child that truncates the file cannot fault the kata.
        """
        if self.fd is None:
            return None
        try:
            data = os.pread(self.fd, self.LAYOUT.size, 0)
        except OSError:
            return None
        if len(data) != self.LAYOUT.size:
            return None
        started, index = self.LAYOUT.unpack(data)
        return (started, index - 1) if index else None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.file is not None:
                self.file.close()


class Child:
    """One subject process for one exercise; started lazily, restarted after it ends."""

    def __init__(
        self,
        exercise: str,
        files: dict[str, Path],
        limits: sandbox.Limits,
        runtime: Runtime | None = None,
    ):
        self.exercise = exercise
        # The run's runtime folder, or one of its own (removed when the child stops).
        self.own_runtime = runtime is None
        self.runtime = runtime or Runtime()
        self.files = files  # name in the child's package -> source file to copy
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.frames: queue.Queue[Message | Exception | None] = queue.Queue()
        self.output, self.answered = Output(), 0
        self.starts = 0
        self._next_look = 0.0
        self.last_stuck: dict[str, Any] | None = None  # the child's note of a call past its limit
        self._buffer = bytearray()  # what the child wrote of its next answers
        self._fd: int | None = None
        self.opener: dict[str, Any] | None = None  # the request that imported the student's file
        self.serial = 0  # the id of the last request; answers carry it back
        self.beacon: Beacon | None = None
        self._late_seen: tuple[float, int] | None = None
        self.call_limit = 10.0  # seconds; the subject sets it from the run's --call-limit
        self.writes: list[str] = []  # the student's functions, in the beacon's order

    # starting and ending
    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.stop()
        self.folder = Path(tempfile.mkdtemp(prefix="kata-subject-"))
        package = self.folder / "exercises"
        given = self.folder / "given"
        package.mkdir()
        given.mkdir()
        (package / "__init__.py").write_text("", encoding="utf-8")
        for name, source in self.files.items():
            target = (given if name.startswith("given/") else package) / name.split("/")[-1]
            target.write_bytes(sandbox.read_regular(source))
        self.beacon = Beacon()
        sandbox.hand_over(self.folder, self.limits.user)
        hidden = (ROOT, *(Path(p).resolve().parent for p in self.files.values()))
        command, options = sandbox.command(
            self.runtime.folder(), self.folder, self.limits, self.beacon.fd, hidden
        )
        self.frames = queue.Queue()
        self.output, self.answered = Output(), 0
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=sandbox.environment(self.folder),
            cwd=self.folder,
            **options,
        )
        self.starts += 1
        self._buffer = bytearray()
        self._fd = _pipe(self.process.stdout).fileno() if sandbox.POSIX else None
        if self._fd is None:  # no select() on Windows' pipes: a thread reads the answers
            threading.Thread(target=self._read_frames, args=(self.process,), daemon=True).start()
        threading.Thread(target=self._read_output, args=(self.process,), daemon=True).start()
        header, _ = self._next(self.limits.start, backstop=self.limits.start)
        if "ready" not in header:
            self.stop()
            raise Ended("the subject process did not start")

    def stop(self) -> None:
        """End the process and everything it started, then remove its folder."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(Exception):
                    _pipe(process.stdin).write(codec.pack({"op": "exit"}, []))
                    _pipe(process.stdin).flush()
            sandbox.kill_group(process)
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
            for stream in (process.stdin, process.stdout, process.stderr):
                with contextlib.suppress(Exception):
                    _pipe(stream).close()
            if self.limits.user is not None:  # what left the group, of the subject's own user
                sandbox.kill_user(self.limits.user)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self.beacon is not None:
            self.beacon.close()
            self.beacon = None
        if self.own_runtime:
            self.runtime.remove()

    def kill(self) -> None:
        process = self.process
        if process is not None:
            sandbox.kill_group(process)
        self.stop()

    # reading
    def _read_frames(self, process: subprocess.Popen[bytes]) -> None:
        stream = _pipe(process.stdout)

        def read(n: int) -> bytes:
            data = stream.read(n)
            if len(data) != n:
                raise EOFError
            return data

        while True:
            try:
                self.frames.put(codec.unpack(read))
            except EOFError:
                self.frames.put(None)
                return
            except codec.Unreadable as exc:
                self.frames.put(exc)
                return
            except Exception as exc:  # the stream closed under us
                self.frames.put(codec.Unreadable(str(exc)))
                return

    def _receive(self, timeout: float) -> Message | Exception | _Nothing | None:
        """The next message, None at the end of the stream, an Exception if unreadable, or
        NOTHING when none came within `timeout`. Reads only what is there: a child that
        writes half a message and stops cannot block the kata."""
        if self._fd is None:
            try:
                return self.frames.get(timeout=timeout)
            except queue.Empty:
                return NOTHING
        try:
            found = codec.try_unpack(self._buffer)
            if found is None:
                ready, _, _ = select.select([self._fd], [], [], timeout)
                if not ready:
                    return NOTHING
                data = os.read(self._fd, 1 << 20)
                if not data:
                    return None
                self._buffer += data
                if len(self._buffer) > codec.MAX_FRAME + 1024:
                    return codec.Unreadable(f"an answer of more than {codec.MAX_FRAME} bytes")
                found = codec.try_unpack(self._buffer)
                if found is None:
                    return NOTHING
        except codec.Unreadable as exc:
            return exc
        except OSError as exc:
            return codec.Unreadable(str(exc))
        header, blobs, size = found
        del self._buffer[:size]
        return header, blobs

    def _read_output(self, process: subprocess.Popen[bytes]) -> None:
        stream = _pipe(process.stderr)
        while True:
            try:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            except Exception:
                return
            if not chunk:
                return
            self.output.add(chunk.decode("utf-8", errors="replace"))

    def _next(self, limit: float | None, backstop: float | None) -> Message:
        """The next answer; notes of a stuck call are acted on; an end is raised as Ended."""
        start = time.monotonic()
        stuck: dict[str, Any] | None = None
        deadline = start + backstop if backstop else None
        while True:
            now = time.monotonic()
            if deadline is not None and now > deadline:
                self.kill()
                raise Ended("hang", stuck, self.output.take())
            if self._over_memory(now):
                self.kill()
                raise Ended("memory", stuck, self.output.take())
            late = self._late(now)
            if late is not None:
                self.kill()
                raise Ended("hang", stuck or late, self.output.take())
            item = self._receive(0.05)
            if item is NOTHING:
                continue
            if item is None or isinstance(item, Exception):
                code = self._exit_code()
                output = self.output_after_end()
                running = self.running()
                self.stop()
                if isinstance(item, Exception):
                    raise Ended(f"unreadable: {item}", stuck, output, running)
                raise Ended(f"died: {code}", stuck, output, running)
            header, blobs = item
            if "ready" not in header and header.get("id") != self.serial:
                continue  # an answer or a note of an earlier request: not this one's
            if header.get("note") == "stuck":
                stuck = self.last_stuck = header
                deadline = time.monotonic() + GRACE
                continue
            return header, blobs

    def running(self) -> str | None:
        """The student's function the beacon says is running, if any."""
        found = self.beacon.read() if self.beacon is not None else None
        if found is None or found[0] <= 0:
            return None
        names = [*self.writes, "import"]
        return names[found[1]] if 0 <= found[1] < len(names) else None

    def _late(self, now: float) -> dict[str, Any] | None:
        """A call of a student's function past its limit and the grace, read from the beacon
        (the subject process's own watchdog had its chance): what the note would have said."""
        running = self.beacon.read() if self.beacon is not None else None
        if running is None or running[0] <= 0:
            self._late_seen = None
            return None
        started, index = running
        if now - started <= self.call_limit + GRACE:
            self._late_seen = None
            return None
        # Late twice in a row, the same call: not a reading taken while the beacon changed.
        seen, self._late_seen = self._late_seen, running
        if seen != running:
            return None
        names = [*self.writes, "import"]
        name = names[index] if 0 <= index < len(names) else "a function"
        return {"function": name, "limit": self.call_limit, "where": ""}

    def _over_memory(self, now: float) -> bool:
        """Where the kernel does not enforce the memory limit, look at the child twice a second."""
        if not (self.limits.memory and sandbox.POLL_MEMORY and self.alive):
            return False
        if now < self._next_look:
            return False
        self._next_look = now + 0.5
        return self.process is not None and sandbox.resident(self.process.pid) > self.limits.memory

    def _exit_code(self) -> str:
        process = self.process
        if process is None:
            return "?"
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)
        code = process.poll()
        if code is None:
            return "still running"
        if code > 128 and sandbox.bubblewrap(
            self.limits.user
        ):  # bubblewrap passes a signal on as 128 + it
            code = 128 - code
        if code < 0:
            with contextlib.suppress(ValueError):
                return signal.Signals(-code).name
        return f"exit code {code}"

    def output_after_end(self) -> str:
        time.sleep(0.05)  # the output thread reads what was written last
        return self.output.take()

    # asking
    def request(
        self,
        header: dict[str, Any],
        blobs: list[bytes] | tuple[()] = (),
        backstop: float | None = None,
    ) -> Message:
        """Send one request, return (answer header, blobs). Raises Ended if the child ends."""
        try:
            if not self.alive:
                self.start()
                if self.opener is not None and header.get("op") != "open":
                    self._reopen()
            self.last_stuck = None
            self.serial += 1
            header = {**header, "id": self.serial}
            try:
                stdin = _pipe(self.process.stdin if self.process else None)
                stdin.write(codec.pack(header, list(blobs)))
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                output = self.output_after_end()
                code = self._exit_code()
                self.stop()
                raise Ended(f"died: {code}", None, output) from None
            answer = self._next(None, backstop)
            self.answered += 1
            if header.get("op") == "open" and "ok" in answer[0]:
                self.opener = {k: v for k, v in header.items() if k != "id"}
                self.writes = list(header.get("writes", []))
            return answer
        except BaseException:
            # An interrupt or the test's own limit while the child works: its state is unknown.
            if self.alive:
                self.kill()
            raise

    def _reopen(self) -> None:
        """After a restart, import the student's file again as the first start did."""
        self.serial += 1
        stdin = _pipe(self.process.stdin if self.process else None)
        stdin.write(codec.pack({**(self.opener or {}), "id": self.serial}, []))
        stdin.flush()
        header, _ = self._next(None, self.limits.start)
        self.answered += 1
        if "ok" not in header:
            self.stop()
            raise Ended("the student's file no longer imports")

    def printed(self) -> str:
        """What the child printed up to its last answer (so a print shows in its own test)."""
        self.output.settle(self.answered)
        return self.output.take()


def python() -> str:
    return sys.executable
