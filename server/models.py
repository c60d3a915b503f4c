"""The task workers' heartbeats (`manage.py task_worker`), which `/readyz` reads."""

from __future__ import annotations

from django.db import models


class TaskWorkerBeat(models.Model):
    """One row per running task worker: when it last said it was alive. A worker that
    stops cleanly removes its row; a dead one's row goes stale, and is pruned after a day."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
