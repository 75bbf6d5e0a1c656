"""The REST API under /api/v1/ (django-ninja): personal access tokens, problem+json errors, resources.

Glue only: every write calls the same ``services.py`` functions as the web views, every case is opened
through ``jalin.cases.access``. See docs/api.md (using it) and docs/api-internals.md (adding a route).
"""
