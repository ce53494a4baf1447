"""A minimal Django project serving django-helpdesk, the baseline of bench/complaints.

Runs only in the benchmark's own virtualenv (bench/.venv-helpdesk), never in the project's.
"""
