"""Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps), as authenticator apps
make them. Pure rules on top of ``pyotp``: no database, no request.

A code is accepted from the current step and from one step either side, so a phone clock a little
off, or a code typed just as it changed, still works. Which step matched is returned, so that the
caller can refuse the same code a second time (RFC 6238 section 5.2).
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp

from portal.db import utcnow

ISSUER = "Apuri"
DIGITS = 6
STEP_SECONDS = 30
# Steps either side of now that are still accepted.
DRIFT_STEPS = 1

_SPACES = re.compile(r"[\s-]+")


def new_secret() -> str:
    """A new random secret in base32 (160 bits, the size RFC 4226 recommends for SHA-1)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://totp/…`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str | None) -> str:
    """The code as typed, without the spaces or dashes some apps show in the middle."""
    return _SPACES.sub("", code or "")


def code_at(secret: str, at: datetime) -> str:
    """The code for the step ``at`` falls in (tests; support)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(at)


def matching_step(secret: str, code: str | None, *, at: datetime | None = None, after: int | None = None) -> int | None:
    """The time step whose code ``code`` is (now or one step either side), else None.

    Steps up to ``after`` do not count: a code already used stays used.
    """
    code = normalise(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now_step = totp.timecode(at or utcnow())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
