"""radiolic: the radio licence workflow tracker of a city radio administration office."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, commands."""
    # Everything the process creates (database, WAL/SHM, keys, uploads, archives, backups) is private:
    # the files hold ID numbers, phone numbers and password hashes.
    os.umask(0o077)
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True,
                template_folder=str(ROOT / "templates"))
    from . import config as settings
    settings.load(app, config)

    _private_database_files(app.config["SQLALCHEMY_DATABASE_URI"])

    from . import web
    web.init_extensions(app)
    from . import summaries  # noqa: F401  (registers the summary hook)
    web.register_blueprints(app)
    web.register_hooks(app)
    from . import instruments
    instruments.init_app(app)

    from . import cli
    cli.register(app)
    return app


def _private_database_files(uri: str) -> None:
    """An SQLite database made before this rule (mode 0644) is made private at start-up too."""
    if not uri.startswith("sqlite:///"):
        return
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except OSError:
            pass    # absent, or not ours to change
