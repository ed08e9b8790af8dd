"""The navigation bar: each entry is shown to exactly the roles its route declares (`@roles` / `@public` in
radiolic/access.py), so the menu can never offer a page that answers 403, nor hide one a role may use.

Only endpoints that exist are shown; a public page is shown to every signed-in role.
"""
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from .access import PUBLIC
from .models import ROLES


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str


NAV = [
    NavItem("main.home", "工作台"),
    NavItem("intake.new", "窗口收件"),
    NavItem("intake.queue", "待受理"),
    NavItem("intake.applicants", "申请人"),
    NavItem("intake.credit", "信用记录"),
    NavItem("intake.corrections", "多次补正"),
    NavItem("deferrals.board", "容缺材料"),
    NavItem("review.queue", "审查队列"),
    NavItem("issuance.queue", "发证"),
    NavItem("issuance.register", "证照登记簿"),
    NavItem("ratings.work_orders", "差评整改"),
    NavItem("supervisor.dashboard", "统计分析"),
    NavItem("supervisor.locks", "登录与查询限制"),
    NavItem("admin.users", "账号管理"),
    NavItem("admin.catalogue", "服务事项"),
    NavItem("admin.calendar", "节假日"),
    NavItem("admin.system", "系统状态"),
    NavItem("ratings.devices", "评价设备"),
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
