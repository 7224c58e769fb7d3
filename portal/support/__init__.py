"""The support desk (issue 7): tickets, the SLA clock, queues and satisfaction."""
