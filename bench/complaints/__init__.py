"""Complaint list benchmark against django-helpdesk (issue #6); run `python -m bench.complaints`."""
