"""API views: filled in by the API work."""
from portal.api import bp  # noqa: F401
