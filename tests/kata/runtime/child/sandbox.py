"""The walls around a subject process: bubblewrap where it is installed, else what the OS gives.

With bubblewrap (Linux; `bwrap`, Flatpak's sandbox) the child sees a read-only view of the
interpreter and its packages, its own exercise folder (read-only), a private empty /tmp, no
network, its own PID namespace (killed whole with it) and dies with the kata. Without it:
on Linux and macOS a process group of its own with RLIMIT_AS (memory; macOS ignores it, so
the kata polls the child's resident memory instead) and RLIMIT_NPROC (processes); on Windows
a separate process, ended on time-out. `limits_off()` names what is missing, for the run's
header.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import site
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POSIX = os.name == "posix"
POLL_MEMORY = sys.platform == "darwin"  # the kernel does not enforce RLIMIT_AS there
PROCESSES = 256  # processes and threads (Linux counts both) of a subject's own uid
FILE_SIZE = 256 * 1024**2  # bytes of any one file the subject process writes
# Environment variables the child keeps: the locale, and numpy's BLAS settings (some machines
# need OPENBLAS_CORETYPE to compute right at all).
KEEP = ("LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT", "OPENBLAS_", "OMP_", "MKL_", "KMP_")


MEMORY = 2 * 1024**3  # bytes of address space a subject process may use, by default
# As root the student's code runs as an unprivileged uid: this one, plus the grading worker's
# slot (systemd's range for dynamic users, which no account owns).
SUBJECT_UID = 61184


@dataclass(frozen=True)
class Limits:
    """What a subject process may use."""

    memory: int = MEMORY  # bytes of address space (RLIMIT_AS), 0 for none
    start: float = 60.0  # seconds to start (import numpy) before the kata gives up
    user: int | None = None  # as root: the uid the child runs as


def read_regular(path: Path) -> bytes:
    """A file's bytes, refusing a link or anything but a regular file."""
    if os.path.islink(path):
        raise OSError(f"{path.name} is a symbolic link; the kata reads only regular files")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)  # not followed, not waited on (a fifo): then checked, as opened
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return f.read()


@functools.cache
def bubblewrap(user: int | None = None) -> str | None:
    """bwrap's path, if it is installed and can make a sandbox here, as `user` (else None)."""
    if os.environ.get("KATA_SANDBOX", "").lower() == "off" or not sys.platform.startswith("linux"):
        return None
    found = shutil.which("bwrap")
    if found is None:
        return None
    try:
        subprocess.run(
            [found, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
            check=True,
            capture_output=True,
            timeout=20,
            cwd="/",
            preexec_fn=functools.partial(_in_child, 0, user) if user is not None else None,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found


def mode(user: int | None = None) -> str:
    return "bubblewrap" if bubblewrap(user) else "process"


@functools.cache
def usable(uid: int) -> bool:
    """Whether a process of uid `uid` can run this interpreter with numpy (its files readable)."""
    if not POSIX or os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", "import numpy"],
            capture_output=True,
            timeout=60,
            cwd="/",
            preexec_fn=functools.partial(_in_child, 0, uid),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def limits_off(user: int | None = None) -> list[str]:
    """What a student's code is not kept from here, in words, for the run's header."""
    off = []
    if POSIX and os.geteuid() == 0 and user is None:
        off.append("runs as root")
    if bubblewrap(user) is None:
        off.append("no sandbox (no usable bubblewrap)")
    if not POSIX:
        off.append("no memory limit")
        off.append("no process limit")
    elif user is None and bubblewrap(user) is None:
        off.append("no process limit")
    return off


def _python_paths() -> list[str]:
    """What the interpreter needs to run: its prefixes, standard library and site-packages.

    Not sys.path as a whole: pytest puts the kata's own folder there, which the student's
    code must not see.
    """
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(
        sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")
    )
    with contextlib.suppress(AttributeError):
        paths.update(site.getsitepackages())
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    paths.add(os.path.dirname(sys.executable))
    real = {os.path.realpath(p) for p in paths} | paths
    kept = sorted(p for p in real if os.path.isdir(p))
    # A folder inside another is bound with it.
    return [p for p in kept if not any(p != q and p.startswith(q + os.sep) for q in kept)]


SYSTEM = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/alternatives",
    "/etc/localtime",
)


def _bwrap_command(
    bwrap: str, runtime: Path, folder: Path, user: int | None, hidden: tuple[Path, ...] = ()
) -> list[str]:
    command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
    command += ["--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for path in SYSTEM:
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    for path in _python_paths():
        if path.startswith(str(folder)) or path in ("/",):
            continue
        if any(os.path.commonpath([path, str(h)]) == path for h in hidden):
            continue  # a folder that holds the kata or the student's file: never shown
        command += ["--ro-bind", path, path]
    command += [
        "--ro-bind",
        str(runtime),
        "/kata/runtime",
        "--ro-bind",
        str(folder),
        "/kata/subject",
    ]
    command += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp"]
    if os.geteuid() == 0 and user is None:
        command += ["--cap-drop", "ALL"]
    return command


BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from kata_runtime.server import main; "
    "sys.argv[1:2] = []; main()"
)


def command(
    runtime: Path,
    folder: Path,
    limits: Limits,
    beacon: int | None = None,
    hidden: tuple[Path, ...] = (),
) -> tuple[list[str], dict[str, Any]]:
    """The command that starts a subject process, and Popen's options for it.

    beacon: a file descriptor the subject process shares with the kata (server.Beacon).
    hidden: folders the sandbox must not show, nor any folder that holds one.
    """
    shared = "" if beacon is None else str(beacon)
    bwrap = bubblewrap(limits.user)
    if bwrap is not None:
        prefix = _bwrap_command(bwrap, runtime, folder, limits.user, hidden)
        args = [sys.executable, "-I", "-X", "utf8", "-c", BOOT, "/kata/runtime", "/kata/subject"]
        cmd = [*prefix, *args, shared]
    else:
        cmd = [sys.executable, "-I", "-X", "utf8", "-c", BOOT, str(runtime), str(folder), shared]
    options: dict[str, Any] = {"pass_fds": (beacon,)} if beacon is not None else {}
    if POSIX:
        options["start_new_session"] = True
        options["preexec_fn"] = functools.partial(_in_child, limits.memory, limits.user)
    else:
        options["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return cmd, options


try:
    import resource
except ImportError:  # Windows, or a Python built without it
    resource = None  # type: ignore[assignment]


def _in_child(memory: int, user: int | None) -> None:  # pragma: no cover - runs after fork
    """After fork, before the subject's program: its limits, then its user."""
    if resource is not None and memory and sys.platform.startswith("linux"):
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if user is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
    if resource is None:
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE, FILE_SIZE))
    if user is not None and sys.platform.startswith("linux"):
        # A uid of the subject's own: every process and thread of it is the subject's.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))


def hand_over(folder: Path, user: int | None) -> None:
    """Let the subject's own uid, and no other user, read (not write) its folder; as root."""
    if user is None or not POSIX or os.geteuid() != 0:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, 0, user)
        path.chmod(0o750 if path.is_dir() else 0o640)


def environment(folder: Path) -> dict[str, str]:
    """The child's environment: a clean one, with the locale and BLAS settings kept."""
    env = {k: v for k, v in os.environ.items() if k.startswith(KEEP) or k in KEEP}
    env["PATH"] = os.defpath if POSIX else os.environ.get("PATH", "")
    env["HOME"] = str(folder)
    env["TMPDIR"] = env["TEMP"] = env["TMP"] = str(folder)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """End the child and its process group (with bubblewrap, its whole PID namespace)."""
    if process.poll() is not None and not POSIX:
        return
    if POSIX:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.kill()


def kill_user(uid: int) -> None:
    """As root: end every process of uid `uid`, the subject's own user (what escaped its group)."""
    if not POSIX or os.geteuid() != 0:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [sys.executable, "-I", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
            preexec_fn=functools.partial(_in_child, 0, uid),
            cwd="/",
            capture_output=True,
            timeout=30,
        )


def resident(pid: int) -> int:
    """Resident memory of a process in bytes, from ps (macOS has no /proc)."""
    try:
        out = subprocess.run(
            ["ps", "-o", "rss=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
        return int(out) * 1024 if out else 0
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0
