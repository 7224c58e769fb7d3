"""Live chat with a person (issue 11): sessions, messages, presence, the wake-up bus and streams."""
