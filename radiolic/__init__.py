"""radiolic: the radio licence workflow tracker of a city radio administration office."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, commands."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True,
                template_folder=str(ROOT / "templates"))
    from . import config as settings
    settings.load(app, config)

    from . import web
    web.init_extensions(app)
    from . import summaries  # noqa: F401  (registers the summary hook)
    web.register_blueprints(app)
    web.register_hooks(app)

    from . import cli
    cli.register(app)
    return app
