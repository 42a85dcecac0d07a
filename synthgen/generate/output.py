"""Where a dataset is written: a local directory or a filesystem URL (s3://, gs://, ...).

Everything goes through a pyarrow filesystem so the same code writes locally, to object
storage and from Dask workers. A URL travels between processes as a string and is resolved
again in each (``resolve`` caches it). Credentials come from the environment (AWS_*,
GOOGLE_*), exactly as the filesystem library reads them; they are never printed.

Atomicity: a local file is written to a dot-prefixed temporary name and renamed; an object
store has no rename, but an object only appears when its upload completes, so files are
written straight to their final key. Either way a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow.fs as pafs

from synthgen.errors import EnvironmentProblem, InputError

READ_BLOCK_BYTES = 1 << 20
"""Block size when hashing a file back from the filesystem."""


def is_url(out: str) -> bool:
    """Whether `out` names a filesystem URL rather than a local path."""
    return "://" in out and not out.startswith("file://")


@functools.lru_cache(maxsize=16)
def resolve(out: str) -> tuple[pafs.FileSystem, str]:
    """(filesystem, root path inside it) for a local path or URL; one-line errors."""
    if not is_url(out):
        return pafs.LocalFileSystem(), os.path.abspath(out.removeprefix("file://"))
    scheme = out.split("://", 1)[0]
    try:
        fs, root = pafs.FileSystem.from_uri(out)
        return fs, root.rstrip("/")
    except (ValueError, OSError) as e:
        if "Unrecognized filesystem type" not in str(e):
            raise EnvironmentProblem(f"cannot open {safe(out)}: {_first_line(e)}") from None
    try:  # schemes pyarrow does not know natively: fsspec, when its package is installed
        import fsspec
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        spec_fs = fsspec.filesystem(scheme)
    except ImportError as e:
        raise InputError(f"{safe(out)}: no filesystem package for {scheme}:// "
                         f"({_first_line(e)})") from None
    except ValueError as e:
        raise InputError(f"{safe(out)}: unknown URL scheme {scheme}:// "
                         f"({_first_line(e)})") from None
    return PyFileSystem(FSSpecHandler(spec_fs)), out.split("://", 1)[1].rstrip("/")


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def safe(out: str) -> str:
    """The URL without its user:password part or query values (never print a credential).

    >>> safe("s3://key:secret@bucket/ci?region=x&secret_key=y")
    's3://***@bucket/ci?region=***&secret_key=***'
    """
    if "://" not in out:
        return out
    scheme, rest = out.split("://", 1)
    rest, sep, query = rest.partition("?")
    host = rest.split("/", 1)[0]
    if "@" in host:
        rest = "***@" + rest.split("@", 1)[1]
    if sep:
        query = "&".join(f"{kv.split('=', 1)[0]}=***" if "=" in kv else kv
                         for kv in query.split("&"))
    return f"{scheme}://{rest}{sep}{query}"


def path(out: str, rel: str = "") -> str:
    """The filesystem path of `rel` inside the dataset `out`."""
    root = resolve(out)[1]
    return f"{root}/{rel}" if rel else root


def info(out: str, rel: str = "") -> pafs.FileInfo:
    """FileInfo of one entry (type NotFound when absent)."""
    fs, _ = resolve(out)
    return fs.get_file_info(path(out, rel))


def is_file(out: str, rel: str) -> bool:
    """Whether ``rel`` is a file of the dataset ``out``."""
    return bool(info(out, rel).type == pafs.FileType.File)


def listdir(out: str, rel: str = "", *, recursive: bool = False) -> list[pafs.FileInfo]:
    """Entries under a directory ([] when it does not exist)."""
    fs, _ = resolve(out)
    return list(fs.get_file_info(pafs.FileSelector(path(out, rel), allow_not_found=True,
                                                    recursive=recursive)))


def write_bytes(out: str, rel: str, data: bytes) -> None:
    """Write a small file atomically (local: temporary name, then rename)."""
    fs, _ = resolve(out)
    final = path(out, rel)
    parent = final.rsplit("/", 1)[0]
    if isinstance(fs, pafs.LocalFileSystem):
        fs.create_dir(parent, recursive=True)
        tmp = f"{parent}/.{final.rsplit('/', 1)[1]}.{os.getpid()}.tmp"
        with fs.open_output_stream(tmp) as fh:
            fh.write(data)
        fs.move(tmp, final)
        return
    with fs.open_output_stream(final) as fh:
        fh.write(data)


def read_bytes(out: str, rel: str) -> bytes:
    """The whole content of a small file."""
    fs, _ = resolve(out)
    with fs.open_input_stream(path(out, rel)) as fh:
        data: bytes = fh.read()
    return data


def digest(out: str, rel: str) -> tuple[int, str]:
    """(bytes, sha256) of a file, from one streamed read of what the filesystem holds."""
    fs, _ = resolve(out)
    h = hashlib.sha256()
    size = 0
    with fs.open_input_stream(path(out, rel)) as fh:
        while block := fh.read(READ_BLOCK_BYTES):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def delete(out: str, rel: str) -> None:
    """Delete a file or a directory tree (absent is fine)."""
    fs, _ = resolve(out)
    got = info(out, rel)
    if got.type == pafs.FileType.Directory:
        fs.delete_dir(path(out, rel))
    elif got.type == pafs.FileType.File:
        fs.delete_file(path(out, rel))


def atomic_target(out: str, rel: str) -> tuple[str, str | None]:
    """(path to write, path to rename it to when complete, or None to write in place)."""
    fs, _ = resolve(out)
    final = path(out, rel)
    if isinstance(fs, pafs.LocalFileSystem):  # object stores have no directories to make
        fs.create_dir(final.rsplit("/", 1)[0], recursive=True)
        head, name = final.rsplit("/", 1)
        return f"{head}/.{name}.{os.getpid()}.tmp", final
    return final, None


def make_root(out: str) -> None:
    """Create the dataset directory (object stores need none)."""
    fs, root = resolve(out)
    if isinstance(fs, pafs.LocalFileSystem):
        fs.create_dir(root, recursive=True)


# -- the read side: validate and load read a dataset at a URL through these ------------------


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file of a dataset at a URL: the dataset's URL (resolved once, cached) and the
    file's path relative to it. ``str()`` is safe to print."""

    out: str
    rel: str

    def __str__(self) -> str:
        base, sep, query = safe(self.out).partition("?")
        return f"{base.rstrip('/')}/{self.rel}{sep}{query}"


def open_input(f: RemoteFile) -> pafs.NativeFile:
    """A random-access reader of a remote file (what ``pyarrow.parquet`` reads)."""
    fs, _ = resolve(f.out)
    return fs.open_input_file(path(f.out, f.rel))


def open_stream(f: RemoteFile) -> pafs.NativeFile:
    """A sequential reader of a remote file (one streamed GET)."""
    fs, _ = resolve(f.out)
    return fs.open_input_stream(path(f.out, f.rel))


@contextlib.contextmanager
def reading(out: str, verb: str = "read") -> Iterator[None]:
    """Turn the filesystem's errors while reading (or writing) ``out`` into one-line errors.

    A missing file is left to the caller (FileNotFoundError: it knows what the file means);
    anything else the filesystem raises (endpoint unreachable, access denied, no such bucket)
    is the environment's: exit 3, the URL shown without credentials.
    """
    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as e:
        raise EnvironmentProblem(f"cannot {verb} {safe(out)}: {_first_line(e)}") from None
