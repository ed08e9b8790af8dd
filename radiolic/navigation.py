"""The navigation bar: each entry is shown to exactly the roles its route declares (`@roles` / `@public` in
radiolic/access.py), so the menu can never offer a page that answers 403, nor hide one a role may use.

Only endpoints that exist are shown; a public page is shown to every signed-in role.
"""
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from .access import PUBLIC
from .models import ROLES
from .texts import N_


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str


NAV = [
    NavItem("main.home", N_("工作台")),
    NavItem("intake.new", N_("窗口收件")),
    NavItem("intake.queue", N_("待受理")),
    NavItem("intake.applicants", N_("申请人")),
    NavItem("intake.credit", N_("信用记录")),
    NavItem("intake.corrections", N_("多次补正")),
    NavItem("deferrals.board", N_("容缺材料")),
    NavItem("review.queue", N_("审查队列")),
    NavItem("issuance.queue", N_("发证")),
    NavItem("issuance.register", N_("证照登记簿")),
    NavItem("ratings.work_orders", N_("差评整改")),
    NavItem("supervisor.dashboard", N_("统计分析")),
    NavItem("supervisor.locks", N_("登录与查询限制")),
    NavItem("admin.users", N_("账号管理")),
    NavItem("admin.catalogue", N_("服务事项")),
    NavItem("admin.calendar", N_("节假日")),
    NavItem("admin.system", N_("系统状态")),
    NavItem("ratings.devices", N_("评价设备")),
]


def allowed_roles(endpoint: str) -> frozenset[str]:
    """The staff roles the route of `endpoint` admits, read from its declared access (none if it has no page)."""
    access = getattr(current_app.view_functions.get(endpoint), "access", None)
    if access == PUBLIC:
        return frozenset(ROLES)
    if isinstance(access, tuple) and access[0] == "staff":
        return frozenset(access[1])
    return frozenset()


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV if current_user.role in allowed_roles(item.endpoint)]


NAV_WIDTH = 95        # what fits beside the brand, search and account links at 1366 px, in half-width units
ITEM_PADDING = 3      # a link's padding and gap, in the same units


def _width(text: str) -> int:
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text) + ITEM_PADDING


def nav_groups() -> tuple[list[NavItem], list[NavItem]]:
    """The entries shown in the bar and those under 更多 (so a long menu never makes a page wider than the screen).

    They depend only on the role, the language and the routes (fixed once the app is built): worked out once per
    process for each role and language, not on every page."""
    from flask_babel import get_locale, gettext
    if not current_user.is_authenticated:
        return [], []
    kept = current_app.extensions.setdefault("radiolic.nav_groups", {})
    key = (current_user.role, str(get_locale()))
    if key not in kept:
        items, shown, more, used = nav_items(), [], [], 0
        for n, item in enumerate(items):
            used += _width(gettext(item.label))
            if used > NAV_WIDTH and n < len(items) - 1:
                more = items[n:]
                break
            shown.append(item)
        kept[key] = (tuple(shown), tuple(more))
    return kept[key]

