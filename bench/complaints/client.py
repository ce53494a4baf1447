"""A tiny HTTP/1.1 client with a cookie jar: log in with a form, then time GETs.

Standard library only. One TCP connection per request (loopback: tens of microseconds, the
same for both servers); the clock covers sending the request and reading the whole body.
"""

import html
import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Response:
    def __init__(self, status, headers, body, ms):
        self.status, self.headers, self.body, self.ms = status, headers, body, ms

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower(), "")


class Session:
    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port
        self.cookies = {}

    def request(self, method, path, *, params=None, form=None, headers=None):
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        body = urlencode(form).encode() if form is not None else None
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans",
                "User-Agent": "dealercare-bench"}  # fmt: skip
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            t = time.perf_counter()
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            ms = (time.perf_counter() - t) * 1000
        finally:
            conn.close()
        received = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
            else:
                received[name.lower()] = value
        return Response(response.status, received, data, ms)

    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers)

    def login(self, path, username, password, *, expect_redirect=True):
        """GET the login form, POST it with its CSRF token; the session cookie is kept."""
        page = self.get(path)
        if page.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {page.status}")
        token = CSRF_INPUT.search(page.text)
        if not token:
            raise RuntimeError(f"GET {path}: no csrfmiddlewaretoken in the form")
        form = {"username": username, "password": password,
                "csrfmiddlewaretoken": html.unescape(token.group(1))}  # fmt: skip
        done = self.request("POST", path, form=form,
                            headers={"Referer": f"http://{self.host}:{self.port}{path}"})  # fmt: skip
        if done.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"POST {path} as {username}: HTTP {done.status}, not logged in")
        return urlsplit(done.header("location")).path
