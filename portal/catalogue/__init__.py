"""The shop's catalogue variants: enough for exchanges (another size or colour, live stock)."""
