"""Follow-up pages: the agent's queue and call console (queue.py), the supervisor's views
(supervision.py), rule editing (rules.py) and the statistics (reports.py)."""
