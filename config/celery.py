"""Celery application: production runs clock-driven jobs through Celery beat.

The schedule is built from the one job registry in ``bayfin.common.scheduling``, the
same one that the embedded scheduler (``manage.py run_scheduler``) runs.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bayfin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _setup_beat(sender: Celery, **_: object) -> None:
    from bayfin.common.scheduling import celery_beat_schedule

    sender.conf.beat_schedule = celery_beat_schedule()
