"""A staff member in the Django admin over plain HTTP: logs in with a local password, reads pages, presses
admin actions and saves forms, as the browser would post them.

Every request asks the server to close its connection, so behind the round-robin proxy consecutive requests
land on different workers (a browser's keep-alive connection would stick to one).
"""

from __future__ import annotations

import html
import re
from typing import Any

import requests

MESSAGE = re.compile(r'<ul class="messagelist">\s*<li class="(\w+)">(.*?)</li>', re.S)


class StaffSession:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Connection"] = "close"
        self.get("/admin/login/")
        logged_in = self.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        if not logged_in.url.endswith("/admin/"):
            raise AssertionError(f"{username} could not log in at {base_url}: HTTP {logged_in.status_code}")

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.base_url + path, timeout=30)
        response.raise_for_status()
        return response

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        """A form post with the CSRF token; redirects (a saved form, a done action) are followed."""
        token = self.session.cookies.get("csrftoken", "")
        response = self.session.post(self.base_url + path, data={"csrfmiddlewaretoken": token, **data}, timeout=30)
        response.raise_for_status()
        return response

    def action(self, changelist: str, action: str, pks: list[Any]) -> tuple[str, str]:
        """Run an admin action on the selected rows of a list page: the level and text of the message it left."""
        response = self.post(changelist, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0})
        return self.message(response.text)

    @staticmethod
    def message(page: str) -> tuple[str, str]:
        found = MESSAGE.search(page)
        if found is None:
            raise AssertionError(f"no admin message on the page: {page[:800]}")
        return found.group(1), html.unescape(found.group(2)).strip()
