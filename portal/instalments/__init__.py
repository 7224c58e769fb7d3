"""Instalments after purchase: honest terms, an exact schedule and the APR of the EU formula."""
