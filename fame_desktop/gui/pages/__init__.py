"""The window's pages: one per task, bound to that task's session (base.py); the built-in tasks' own pages."""
