"""The help centre: the shop's articles in six languages, their search, and the assistant."""
