"""Complaints (DOMAIN §5): intake from every channel, the flow, time limits and escalation,
attachments, annexes 6/7/8 and the public online form."""
