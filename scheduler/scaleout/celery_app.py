"""The Celery app of the scale-out: Redis broker from the settings, one task name, JSON only, late acks."""
from __future__ import annotations

from celery import Celery

from scheduler.settings import Settings

# One task: run (or resume) one execution by id. The message carries the id and nothing else: the ledger is the truth.
RUN_TASK = "playbooks.run"
# A message taken by a worker that died is put back after this long (Redis has no broker-side acks). The recovery
# sweep resends a dead worker's runs as soon as their lease expires, so this is the second safety net, not the first;
# a longer run than this is delivered again meanwhile and the copy finds the lease held and stops at once.
VISIBILITY_TIMEOUT = 3600


def make_celery(settings: Settings) -> Celery:
    """The Celery app on PLAYBOOKS_REDIS_URL, its queue PLAYBOOKS_CELERY_QUEUE; not the process's default app."""
    if not settings.redis_url:
        raise ValueError("the Celery executor needs PLAYBOOKS_REDIS_URL")
    queue = settings.celery_queue
    app = Celery("playbooks", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        # Acked when the run has gone as far as it goes here, not when it is taken: a worker killed mid-run leaves its
        # message to be delivered again (the executor's lease makes a second delivery of a live or finished run a no-op).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_serializer="json", accept_content=["json"], result_serializer="json",
        # Nobody reads a task's result: the run's outcome is in the ledger.
        task_ignore_result=True,
        task_default_queue=queue,
        # Runs are long next to a message: a worker takes one message per free slot, so an idle worker gets the next.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # The unacked bookkeeping keys named after the queue: two deployments (or tests) on one Redis never restore
        # each other's messages.
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT, "socket_connect_timeout": 10,
            "unacked_key": f"{queue}.unacked", "unacked_index_key": f"{queue}.unacked_index",
            "unacked_mutex_key": f"{queue}.unacked_mutex",
        },
    )
    return app
