"""Feedback asked after a delivery and after each settled return, claim and ticket, and acted on."""
