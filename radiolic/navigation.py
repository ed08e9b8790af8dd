"""The navigation bar: which pages each role sees (only endpoints that exist are shown)."""
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]


NAV = [
    NavItem("main.home", "工作台", ("clerk", "reviewer", "supervisor")),
    NavItem("intake.new", "窗口收件", ("clerk",)),
    NavItem("intake.queue", "待受理", ("clerk",)),
    NavItem("intake.applicants", "申请人", ("clerk", "supervisor")),
    NavItem("intake.credit", "信用记录", ("supervisor", "admin")),
    NavItem("intake.corrections", "多次补正", ("supervisor",)),
    NavItem("deferrals.board", "容缺材料", ("clerk", "reviewer", "supervisor")),
    NavItem("review.queue", "审查队列", ("reviewer", "supervisor")),
    NavItem("issuance.queue", "发证", ("clerk", "reviewer")),
    NavItem("issuance.register", "证照登记簿", ("clerk", "reviewer", "supervisor")),
    NavItem("ratings.work_orders", "差评整改", ("supervisor", "clerk")),
    NavItem("supervisor.dashboard", "统计分析", ("supervisor",)),
    NavItem("supervisor.locks", "登录与查询限制", ("supervisor",)),
    NavItem("admin.users", "账号管理", ("admin",)),
    NavItem("admin.catalogue", "服务事项", ("admin",)),
    NavItem("admin.calendar", "节假日", ("admin",)),
    NavItem("admin.system", "系统状态", ("admin",)),
    NavItem("ratings.devices", "评价设备", ("admin",)),
]


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV
            if current_user.role in item.roles and item.endpoint in current_app.view_functions]
