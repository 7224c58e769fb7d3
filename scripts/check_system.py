"""Check what the app needs from the operating system, before anything else runs.

WeasyPrint (the PDFs: return slips, receipts, agreements) loads Pango through cffi when it
is imported; without the system library the import fails deep inside cffi. Say instead, in
one paragraph, what to install. Exit status 0 when all is well, 1 otherwise; no traceback.
"""

from __future__ import annotations

import contextlib
import io
import sys

MINIMUM_PYTHON = (3, 11)
DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def fail(paragraph: str) -> int:
    # One line: the terminal wraps it, and the apt-get command stays copyable in one piece.
    print("ERROR: " + paragraph, file=sys.stderr)
    return 1


def main() -> int:
    if sys.version_info < MINIMUM_PYTHON:
        return fail(
            f"Apuri needs Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer, but {sys.executable} is "
            f"{sys.version.split()[0]}. Remove .venv and run make again with PYTHON=python3.12 (or another "
            "recent Python)."
        )
    try:
        # WeasyPrint prints its own banner on stdout when the libraries are missing; ours says more.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401  (the import is the check: it loads Pango)
    except ModuleNotFoundError:
        return fail(
            "WeasyPrint is not installed in this Python environment. Run `make venv` to install "
            "requirements.txt into .venv, then try again."
        )
    except OSError as exc:
        # cffi's dlopen failure, e.g. "cannot load library 'libpango-1.0-0'".
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return fail(
            "WeasyPrint, which makes the PDF documents, cannot load the Pango text-layout libraries "
            f"of the operating system ({reason}). On Debian or Ubuntu install them, as root, with: "
            f"apt-get install -y {DEBIAN_PACKAGES} (add fonts-dejavu-core if the machine has no "
            "fonts; on macOS: brew install pango). Then run make again."
        )
    except Exception as exc:  # any other native failure: still one clear paragraph, no traceback
        return fail(
            f"WeasyPrint could not be loaded ({type(exc).__name__}: {exc}). It needs the Pango "
            f"libraries: on Debian or Ubuntu run, as root, apt-get install -y {DEBIAN_PACKAGES}, "
            "then run make again."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
