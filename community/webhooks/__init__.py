"""Signed outbound webhooks: the programme's other systems (HR, reporting, a welcome bot)
hear of members joining and leaving and of mentorships' milestones (`docs/api.md`,
"Webhooks"). Models in `models.py` (registered through `community.models`), the events and
their payloads in `events.py`, every write in `services.py`, the address rules in
`addresses.py`, one HTTP attempt in `sending.py`, the worker's task in `tasks.py`, retries
and pruning in `sweep.py` (`manage.py webhooks_sweep`), the admins' pages in `views.py`."""
