"""The help tests sign staff in through the console's real form."""

from tests.console.conftest import sign_in  # noqa: F401
