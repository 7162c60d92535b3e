"""rename(2) that never replaces an existing file: FileExistsError instead (pure, stdlib).

On Linux this is one `renameat2(..., RENAME_NOREPLACE)` through libc; where that call is missing
or the file system refuses it, it is a hard link to the new name and an unlink of the old one
(two directory changes instead of one). Python's `os` exposes neither flag nor call.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import Any

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM})

_renameat2: Callable[..., int] | None = None
_tried = False
_get_errno: Callable[[], int] = lambda: 0  # noqa: E731


def _load() -> Callable[..., int] | None:
    """libc's renameat2, or None (not Linux, no glibc 2.28+, no ctypes)."""
    global _tried, _get_errno
    _tried = True
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc: Any = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (ImportError, OSError, AttributeError):
        return None
    function.argtypes = (
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    )
    function.restype = ctypes.c_int
    _get_errno = ctypes.get_errno
    return function


def rename_no_replace(src: str, dst: str) -> None:
    """Move `src` to `dst`, or raise FileExistsError when `dst` exists (nothing moved)."""
    global _renameat2
    if not _tried:
        _renameat2 = _load()
    if _renameat2 is not None:
        old, new = os.fsencode(src), os.fsencode(dst)
        if _renameat2(_AT_FDCWD, old, _AT_FDCWD, new, _RENAME_NOREPLACE) == 0:
            return
        code = _get_errno()
        if code not in _UNSUPPORTED:
            raise OSError(code, os.strerror(code), dst)  # EEXIST: FileExistsError
        _renameat2 = None  # this file system (or kernel) does not have it: link from now on
    os.link(src, dst)
    os.unlink(src)
