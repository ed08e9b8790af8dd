"""The consumer's entry point: ``huey_consumer radiolic.jobs.worker.huey -k thread -w 2``.

Importing it builds the app (settings from instance/ and RADIOLIC_* variables), registers every
task, and queues again the jobs a killed consumer left behind.
"""
from .. import create_app
from . import bind, resume_interrupted
from . import tasks  # noqa: F401  (registers the tasks and periodic tasks)
from .queue import huey

app = create_app()
bind(app)
with app.app_context():
    resume_interrupted(starting=True)

__all__ = ["app", "huey"]
