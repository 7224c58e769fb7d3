"""The console's sign-in and shops, for the webhook pages."""

from tests.console.conftest import agent_a, shop_a, shop_b, sign_in  # noqa: F401
