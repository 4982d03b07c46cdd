"""The scale-out: the Celery app, the dispatcher that sends runs to it, the worker, the standalone scheduler."""
