"""The navigation bar is derived from the routes' declared access: every entry a role is shown answers that role,
and every listed page a role may use is in its menu."""
import re

import pytest

from radiolic.models import ROLES
from radiolic.navigation import NAV, allowed_roles


def _shown(app, role: str) -> dict[str, str]:
    """endpoint -> URL of the entries the menu offers `role`."""
    with app.test_request_context():
        from flask import url_for
        return {item.endpoint: url_for(item.endpoint) for item in NAV if role in allowed_roles(item.endpoint)}


def test_every_entry_names_a_route_with_declared_access(app):
    with app.app_context():
        missing = [item.endpoint for item in NAV if not allowed_roles(item.endpoint)]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_every_entry_shown_to_a_role_is_reachable_by_it(app, make_user, login, role):
    client = app.test_client()
    login(client, make_user(role))
    shown = _shown(app, role)
    assert shown, role
    answers = {endpoint: client.get(url).status_code for endpoint, url in shown.items()}
    assert answers == {endpoint: 200 for endpoint in shown}


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_lists_exactly_the_entries_of_the_role(app, make_user, login, role):
    client = app.test_client()
    login(client, make_user(role))
    page = client.get("/").get_data(as_text=True)
    menu = page.split('<ul class="navbar-nav me-auto">', 1)[1].split('<ul class="navbar-nav">', 1)[0]
    links = set(re.findall(r'href="([^"#]+)"', menu))      # the bar and its 更多 menu ("#" opens the latter)
    assert links == set(_shown(app, role).values())
    assert ('id="nav-more"' in menu) is (role == "supervisor")    # 13 entries do not fit in one bar at 1366 px
