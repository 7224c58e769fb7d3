"""Insights: a shop's work waiting today and its figures over a date range.

``queries`` holds the SQL aggregates (one shop, one range, the shop's time zone); the console
page that shows them is ``portal.console.insights``.
"""
