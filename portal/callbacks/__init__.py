"""Callback requests: a buyer asks to be called about an order at a time the shop can call.

The phone number is kept only for that call: never copied onto the customer or the ticket,
shown only to the shop's staff, and erased 30 days after the callback is settled
(``services.erase_phone_numbers``, a periodic job). Each callback is a ticket on the desk
(source ``callback``) from the moment it is asked for; the agents' outcomes are its internal
notes, and "solved" solves the ticket (so the satisfaction survey follows as for any ticket).
"""
