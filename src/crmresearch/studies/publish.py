"""Safe output folders: which folders a run may write, and an atomic switch to new exhibits.

A run writes its exhibits into a private staging folder. Publishing builds the complete new
output folder (exhibits, manifest and any file of the old folder that the run did not write)
beside the target and then swaps the two folders in one system call (Linux ``renameat2`` with
``RENAME_EXCHANGE``), so a reader, or a kill at any instant, sees either the whole old folder or
the whole new one. Where the file system cannot exchange, two renames are used and an
interrupted switch is completed (or undone) by the next run.

A full disk leaves no half-built folder behind (the ``.crm-new-*`` folder is removed) and is one
:class:`~crmresearch.errors.OutputError` line naming the device and the folder. One run at a time
writes an output folder: :func:`output_lock` makes a second run wait (saying so) or give up after
a timeout.

Rules (checked before any kernel starts, :class:`~crmresearch.errors.ParameterError`):

- never ``/``, the home folder, the project root, ``figures/`` itself or another study's
  ``figures/<study>/`` folder, a symbolic link, or a file;
- an existing non-empty folder must hold a crmresearch ``manifest.json`` of the same study;
- only files listed in that manifest (the run's own earlier exhibits) are ever replaced or
  removed; every other file in the folder is carried over untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .. import paths, reporting
from ..errors import OutputError, ParameterError

__all__ = ["LOCK_TIMEOUT", "check_output_dir", "clean_stale", "clean_stale_siblings", "make_staging", "no_space",
           "output_lock", "publish_folder", "terminate_as_interrupt"]

MANIFEST = "manifest.json"
_OWNER = ".crmresearch-owner"  # pid of the process that made a staging / switch folder
_NEW, _OLD, _LOCK = ".crm-new-", ".crm-old-", ".crm-lock-"
#: errno values of a full disk (no space left; disk quota exceeded)
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
#: seconds a run waits for another run writing the same output folder (``CRMRESEARCH_LOCK_TIMEOUT``)
LOCK_TIMEOUT = 3600.0


# ----------------------------------------------------------------------------- checks
def _read_manifest(folder: Path) -> dict | None:
    p = folder / MANIFEST
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "study" in data and "exhibits" in data else None


def check_output_dir(target: str | os.PathLike[str], study: str, explicit: bool = True) -> Path:
    """Raise :class:`ParameterError` unless ``target`` is safe for ``study`` to write; return it.

    ``explicit`` marks a folder the user named with ``--out`` (the error then names ``--out``).

    Parameters
    ----------
    target : str or PathLike of str
        The folder a run would write.
    study : str
        The study's name.
    explicit : bool, default True
        The user named the folder with ``--out``.

    Returns
    -------
    Path
        ``target``, resolved.

    Raises
    ------
    ParameterError
        A file, a folder inside the source tree, or a non-empty folder that is not an earlier output of
        ``study``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import publish
    >>> target = Path(tempfile.mkdtemp()) / 'my-run'     # a new folder is safe
    >>> publish.check_output_dir(target, 'value-tiers') == target.resolve()
    True
    """
    raw = Path(target).expanduser()
    where = "--out" if explicit else "output folder"
    absolute = Path(os.path.abspath(raw))
    if absolute.is_symlink():
        raise ParameterError(f"{study}: {where} {str(raw)!r} is a symbolic link; name the real folder "
                             f"({absolute.resolve()}) so nothing outside it can be touched")
    folder = absolute.resolve()
    home = Path.home().resolve()
    root = paths.project_root().resolve()
    figures = paths.figures_dir().resolve()
    forbidden = {Path("/"): "the file-system root", home: "your home folder", root: "the project root",
                 figures: "the figures/ folder itself"}
    if folder in forbidden:
        raise ParameterError(f"{study}: {where} {str(raw)!r} is {forbidden[folder]}; name a new or empty folder, "
                             f"or one holding an earlier {study} run")
    if folder.parent == figures and folder.name != study:
        raise ParameterError(f"{study}: {where} {str(raw)!r} is the canonical folder of another study "
                             f"('{folder.name}'); name a new or empty folder")
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"{study}: {where} {str(raw)!r} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        manifest = _read_manifest(folder)
        if manifest is None:
            raise ParameterError(f"{study}: {where} {str(raw)!r} is a non-empty folder without a crmresearch "
                                 f"manifest.json; name a new or empty folder, or one holding an earlier {study} run")
        if manifest.get("study") != study:
            raise ParameterError(f"{study}: {where} {str(raw)!r} holds a run of another study "
                                 f"('{manifest.get('study')}'); name a new or empty folder")
    return folder


# ----------------------------------------------------------------------------- staging
def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) counts as dead
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _owner(folder: Path) -> int:
    try:
        return int((folder / _OWNER).read_text().strip())
    except (OSError, ValueError):
        return -1


#: A staging or switch folder with no readable owner is left alone for this long after its last change: its
#: maker may be between creating it and writing its pid. (Without the grace a run starting beside another
#: removed the other's staging folder, and the exhibits written so far with it: seen once in a site build,
#: two runs at a time, as an exhibit "not written" although the notebook had saved it.)
OWNERLESS_GRACE_SECONDS = 600.0


def _claimed(folder: Path) -> bool:
    """Whether ``folder`` still belongs to a running process: its owner is alive, or it has no readable owner
    and changed less than :data:`OWNERLESS_GRACE_SECONDS` ago."""
    pid = _owner(folder)
    if pid > 0:
        return _alive(pid)
    try:
        return time.time() - folder.stat().st_mtime < OWNERLESS_GRACE_SECONDS
    except OSError:
        return False


def _write_owner(folder: Path) -> None:
    """Write this process id as ``folder``'s owner in one rename (a reader never sees a half-written file)."""
    tmp = folder / f"{_OWNER}.{os.getpid()}.tmp"
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, folder / _OWNER)


def make_staging(root: Path, study: str) -> Path:
    """A private staging folder under ``root``, marked with this process id.

    Parameters
    ----------
    root : Path
        Folder to create it under.
    study : str
        The study's name (part of the folder name).

    Returns
    -------
    Path
        The new, empty folder.

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import publish
    >>> staging = publish.make_staging(Path(tempfile.mkdtemp()), 'value-tiers')
    >>> staging.is_dir(), staging.name.startswith('value-tiers-')
    (True, True)
    """
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{study}-", dir=root))
    _write_owner(folder)
    return folder


def clean_stale(root: Path) -> list[Path]:
    """Remove staging folders under ``root`` whose owning process has ended (killed runs); a folder with no
    readable owner only once it has not changed for :data:`OWNERLESS_GRACE_SECONDS`.

    Parameters
    ----------
    root : Path
        Folder holding staging areas (``build/staging``).

    Returns
    -------
    list of Path
        The folders removed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import publish
    >>> publish.clean_stale(Path(tempfile.mkdtemp()))   # nothing left behind by killed runs
    []
    """
    removed = []
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        if folder.is_dir() and not folder.is_symlink() and not _claimed(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def clean_stale_siblings(target: Path) -> None:
    """Finish or undo a folder switch that a killed run left half-way (two-rename fallback),
    and remove its leftover ``.crm-new-*`` / ``.crm-old-*`` folders beside ``target``.

    Parameters
    ----------
    target : Path
        An output folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import publish
    >>> target = Path(tempfile.mkdtemp()) / 'value-tiers'
    >>> (target.parent / '.crm-old-value-tiers.1').mkdir()   # a run killed between the two renames of its switch
    >>> (target.parent / '.crm-new-value-tiers.2').mkdir()
    >>> publish.clean_stale_siblings(target)   # the old folder is put back; the half-made new one removed
    >>> sorted(p.name for p in target.parent.iterdir())
    ['value-tiers']
    """
    parent = target.parent
    if not parent.is_dir():
        return
    prefix_new, prefix_old = f"{_NEW}{target.name}.", f"{_OLD}{target.name}."
    for folder in sorted(parent.iterdir()):
        name = folder.name
        # under the target's lock (no run beside it): a folder without an owner is a killed run's
        if not (name.startswith(prefix_new) or name.startswith(prefix_old)) or _alive(_owner(folder)):
            continue
        if name.startswith(prefix_old) and not target.exists():
            os.replace(folder, target)  # the switch stopped between its renames: restore the old folder
            (target / _OWNER).unlink(missing_ok=True)
            continue
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------- publishing
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        _libc = ctypes.CDLL(name, use_errno=True) if name else False
    fn = getattr(_libc, "renameat2", None) if _libc else None
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _fault(step: str) -> None:
    """Test hook: ``CRMRESEARCH_FAULT_AT=<step>`` kills this process at that step of a publish."""
    if os.environ.get("CRMRESEARCH_FAULT_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish_folder(staging: Path, target: Path, exhibits: Mapping[str, str], manifest_text: str,
                   manifest_name: str = MANIFEST) -> None:
    """Make ``target`` hold exactly the staged ``exhibits`` plus its manifest, in one switch.

    Files of the old ``target`` that its manifest does not list as exhibits (a user's notes, a
    README) are carried over (hard links, or copies across file systems).

    Parameters
    ----------
    staging : Path
        Folder holding the new exhibits.
    target : Path
        Output folder to replace.
    exhibits : mapping of str to str
        Exhibit path (relative) -> SHA-256.
    manifest_text : str
        The manifest to write beside them.
    manifest_name : str, default 'manifest.json'
        File name of the manifest.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch import reporting
    >>> from crmresearch.studies import publish
    >>> root = Path(tempfile.mkdtemp())
    >>> staging, target = root / 'staging', root / 'figures'
    >>> staging.mkdir()
    >>> _ = reporting.atomic_write_text(staging / 'table.csv', 'tier,customers')
    >>> publish.publish_folder(staging, target, {'table.csv': reporting.sha256_file(staging / 'table.csv')}, '{}')
    >>> sorted(p.name for p in target.iterdir())
    ['manifest.json', 'table.csv']
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(prefix=f"{_NEW}{target.name}.", dir=target.parent))
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            raise no_space(exc, target) from exc
        raise
    switched = False
    try:
        _write_owner(new)
        _fault("staged")
        for name in sorted(exhibits):
            shutil.move(str(staging / name), new / name)
        if target.is_dir():
            previous = _read_manifest(target) or {"exhibits": {}}
            ours = set(previous.get("exhibits", {})) | {manifest_name}
            for item in sorted(target.iterdir()):
                if item.name in ours or item.name in exhibits or item.name == _OWNER:
                    continue
                if item.is_dir() and not item.is_symlink():
                    shutil.copytree(item, new / item.name, symlinks=True, copy_function=_link_or_copy)
                else:
                    _link_or_copy(item, new / item.name)
        reporting.atomic_write_text(new / manifest_name, manifest_text)
        (new / _OWNER).unlink()
        _fsync_dir(new)
        _fault("built")
        if not target.exists():
            os.replace(new, target)
            switched = True
        elif _exchange(new, target):
            switched = True  # `new` now holds the old folder
            _fault("swapped")
        else:  # two renames; an interruption between them is repaired by clean_stale_siblings
            old = Path(tempfile.mkdtemp(prefix=f"{_OLD}{target.name}.", dir=target.parent))
            os.rmdir(old)
            os.replace(target, old)
            _fault("moved-old")
            try:
                os.replace(new, target)
            except BaseException:
                os.replace(old, target)  # put the old folder back
                raise
            switched = True
            shutil.rmtree(new, ignore_errors=True)
            new = old
    except BaseException as exc:
        if not switched:  # a half-built folder must not keep the disk full until the next run
            shutil.rmtree(new, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
            raise no_space(exc, target) from exc
        raise
    if new.exists():
        shutil.rmtree(new, ignore_errors=True)  # the old folder, switched out
    _fsync_dir(target.parent)


def _device(folder: Path) -> str:
    """The file system holding ``folder``: its device and mount point, from /proc/self/mountinfo."""
    probe = Path(os.path.abspath(folder))
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    mount = probe
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            if point == str(mount):
                source = fields[fields.index("-") + 2]
                return f"{source} (mounted on {mount})"
    return f"the disk mounted on {mount}"


def no_space(exc: OSError, folder: str | os.PathLike[str]) -> OutputError:
    """The one-line error of a full disk: which device, which folder, and that nothing was changed.

    Parameters
    ----------
    exc : OSError
        The error of the failed write (``ENOSPC`` or ``EDQUOT``).
    folder : str or PathLike of str
        The folder the run was writing.

    Returns
    -------
    OutputError
        To raise (``from exc``).

    Examples
    --------
    >>> import errno, tempfile
    >>> from crmresearch.studies import publish
    >>> err = publish.no_space(OSError(errno.ENOSPC, 'No space left on device'), tempfile.mkdtemp())
    >>> str(err).startswith('no space left on '), str(err).endswith('; nothing was changed')
    (True, True)
    """
    what = "no space left" if exc.errno != errno.EDQUOT else "disk quota exceeded"
    return _output_error(exc.errno, f"{what} on {_device(Path(folder))} for {folder}; nothing was changed")


def _output_error(code: int | None, message: str) -> OutputError:
    err = OutputError(message)  # one argument: str() is the message alone, without "[Errno n]"
    err.errno = code
    return err


# ----------------------------------------------------------------------------- one run per folder
@contextlib.contextmanager
def output_lock(target: str | os.PathLike[str], timeout: float | None = None) -> Iterator[Path]:
    """Hold the lock of output folder ``target`` (an fcntl lock on ``.crm-lock-<name>`` beside it).

    A second run writing the same folder waits, saying so in one line on stderr, until the first
    has finished, or at most ``timeout`` seconds (then :class:`~crmresearch.errors.OutputError`).
    The lock file is removed on release; a killed run's lock is released by the system.

    Parameters
    ----------
    target : str or PathLike of str
        The output folder.
    timeout : float or None, optional
        Longest wait, seconds (0: do not wait); None: ``CRMRESEARCH_LOCK_TIMEOUT`` or
        :data:`LOCK_TIMEOUT` (3600 s).

    Returns
    -------
    context manager
        Yields the lock file's path.

    Raises
    ------
    OutputError
        Another run still holds the folder after ``timeout`` seconds, or the lock cannot be made.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import publish
    >>> target = Path(tempfile.mkdtemp()) / 'my-run'
    >>> with publish.output_lock(target) as lock:
    ...     lock.name
    '.crm-lock-my-run'
    >>> lock.exists()   # removed on release
    False
    """
    target = Path(target)
    if timeout is None:
        raw = os.environ.get("CRMRESEARCH_LOCK_TIMEOUT", "")
        try:
            timeout = float(raw) if raw.strip() else LOCK_TIMEOUT
        except ValueError:
            raise ParameterError(f"CRMRESEARCH_LOCK_TIMEOUT must be a number of seconds; got {raw[:40]!r}") from None
    path = target.parent / f"{_LOCK}{target.name}"
    deadline, said = time.monotonic() + max(timeout, 0.0), False
    while True:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno in _NO_SPACE:
                raise no_space(exc, target) from exc
            raise _output_error(exc.errno, f"cannot make the lock file {path} of {target}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if time.monotonic() >= deadline:
                raise _output_error(errno.EBUSY, f"another run (pid {holder or '?'}) is writing {target}; nothing was "
                                  f"changed: wait for it, or give a longer --wait (CRMRESEARCH_LOCK_TIMEOUT, "
                                  f"now {timeout:g} s)") from None
            if not said:
                print(f"waiting for another run writing {target} (pid {holder or '?'}; at most {timeout:g} s)",
                      file=sys.stderr, flush=True)
                said = True
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
            continue
        try:  # the run before may have removed the file between our open and our lock: lock the one there now
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)
    try:
        with contextlib.suppress(OSError):  # the holder's pid, for the message of a waiting run
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked: a run waiting on this file retries on the new one
        os.close(fd)


def _link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


# ----------------------------------------------------------------------------- signals
@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt while a notebook runs, so the kernel is shut
    down and the staging folder removed by the normal clean-up path (a SIGKILL cannot be caught:
    the kernel then exits on its own when it sees its parent gone, and the next run removes the
    stale staging folder).

    Returns
    -------
    context manager
        Restores the previous signal handlers on exit.

    Examples
    --------
    >>> import os, signal
    >>> from crmresearch.studies import publish
    >>> try:
    ...     with publish.terminate_as_interrupt():
    ...         os.kill(os.getpid(), signal.SIGTERM)   # e.g. a CI runner cancelling the job
    ... except KeyboardInterrupt:
    ...     print('cleaned up')
    cleaned up
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
