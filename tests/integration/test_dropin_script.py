"""A script written for requests runs unchanged after ``import tether as requests``.

The same script text is executed twice against one local httpbin: once with the name
``requests`` bound to real requests 2.34, once bound to tether. Everything the script
observes is recorded and the two transcripts must be equal (the User-Agent, which names
the library, is normalised).
"""

from __future__ import annotations

import types
from typing import Any

import pytest

SCRIPT = r'''
import json
out = []
def note(*parts):
    out.append(" | ".join(str(p) for p in parts))

r = requests.get(BASE + "/get", params={"q": "search term", "list": ["a", "b"]}, headers={"X-A": "1"})
note("get", r.status_code, r.reason, r.ok, r.url, r.encoding, r.headers["Content-Type"])
body = r.json()
note("args", sorted(body["args"].items()), body["headers"]["X-A"])
note("request", r.request.method, r.request.url, r.request.path_url, "X-A" in r.request.headers)

r = requests.post(BASE + "/post", data={"k": "v", "multi": ["1", "2"]})
note("form", r.json()["form"], r.request.headers["Content-Type"], r.request.headers["Content-Length"])
r = requests.post(BASE + "/post", json={"n": 1, "s": "é"})
note("json", r.json()["json"], r.request.body, r.request.headers["Content-Type"])
r = requests.post(BASE + "/post", data=b"raw-bytes", headers={"Content-Type": "application/octet-stream"})
note("bytes", r.json()["data"], r.request.headers.get("Content-Length"))
r = requests.post(BASE + "/post", files={"f": ("name.txt", b"file-content", "text/plain")}, data={"field": "x"})
note("files", r.json()["files"], r.json()["form"], r.request.headers["Content-Type"].split(";")[0])
r = requests.put(BASE + "/put", data="text body")
note("put", r.status_code, r.json()["data"])
r = requests.patch(BASE + "/patch", data={"a": "b"})
note("patch", r.status_code)
r = requests.delete(BASE + "/delete")
note("delete", r.status_code)
r = requests.head(BASE + "/get")
note("head", r.status_code, r.content, r.headers.get("Content-Length") is not None)
r = requests.options(BASE + "/get")
note("options", r.status_code, sorted(r.headers["Allow"].replace(" ", "").split(",")))

r = requests.get(BASE + "/redirect/2")
note("redirect", r.status_code, [h.status_code for h in r.history], r.url, r.history[0].is_redirect)
r = requests.get(BASE + "/redirect/2", allow_redirects=False)
note("no-follow", r.status_code, r.is_redirect, r.next.url if r.next else None)
r = requests.post(BASE + "/redirect-to", params={"url": "/anything", "status_code": 307}, data="keep")
note("307", r.status_code, r.request.method, r.json()["data"], r.json()["method"])
r = requests.post(BASE + "/redirect-to", params={"url": "/get", "status_code": 302}, data="drop")
note("302", r.status_code, r.request.method, r.request.body)

with requests.Session() as s:
    s.headers.update({"X-Session": "yes"})
    s.params = {"always": "1"}
    s.auth = ("user", "pass")
    r = s.get(BASE + "/basic-auth/user/pass")
    note("session-auth", r.status_code, r.json())
    s.get(BASE + "/cookies/set", params={"c1": "v1"})
    r = s.get(BASE + "/cookies")
    note("cookies", r.json()["cookies"], s.cookies.get_dict(), requests.utils.dict_from_cookiejar(s.cookies))
    r = s.get(BASE + "/headers", headers={"X-Session": None, "X-Request": "r"})
    hdrs = r.json()["headers"]
    note("merge", "X-Session" in hdrs, hdrs.get("X-Request"), r.request.url.endswith("always=1"))
    r = s.get(BASE + "/cookies", cookies={"once": "1"})
    note("per-request cookie", r.json()["cookies"], "once" in s.cookies)

r = requests.get(BASE + "/status/418")
note("418", r.status_code, r.ok, bool(r), r.status_code == requests.codes.teapot, requests.codes["im_a_teapot"])
try:
    r.raise_for_status()
except requests.exceptions.HTTPError as e:
    note("http-error", type(e).__name__, str(e).replace(BASE, "BASE"), e.response.status_code)
try:
    s = requests.Session()
    s.max_redirects = 1
    s.get(BASE + "/redirect/3")
except requests.TooManyRedirects as e:
    note("too-many", type(e).__name__, str(e), e.response.status_code)
for bad in ("no-scheme.example/x", "gopher://example/", "http://"):
    try:
        requests.get(bad)
    except requests.exceptions.RequestException as e:
        note("bad-url", bad, type(e).__name__, isinstance(e, ValueError))
try:
    requests.get(BASE + "/html").json()
except requests.exceptions.JSONDecodeError as e:
    note("json-error", type(e).__name__, isinstance(e, ValueError), e.msg, e.pos)

r = requests.get(BASE + "/stream/3", stream=True)
lines = [json.loads(line)["id"] for line in r.iter_lines()]
note("stream", lines, r.raw is not None)
r = requests.get(BASE + "/bytes/1000", params={"seed": 7}, stream=True)
note("chunks", [len(c) for c in r.iter_content(300)])
r = requests.get(BASE + "/gzip")
note("gzip", r.json()["gzipped"], r.headers["Content-Encoding"])
r = requests.get(BASE + "/encoding/utf8")
note("text", r.encoding, len(r.text) > 100, r.apparent_encoding.lower().replace("_", "-"))
r = requests.get(BASE + "/response-headers", params={"Link": '<http://x/page2>; rel="next"'})
note("links", r.links)
r = requests.get(BASE + "/digest-auth/auth/u/p/MD5", auth=requests.auth.HTTPDigestAuth("u", "p"))
note("digest", r.status_code, [h.status_code for h in r.history])

req = requests.Request("GET", BASE + "/anything", params={"x": "1"}, headers={"H": "v"})
prepped = req.prepare()
note("prepared", prepped.method, prepped.url, dict(prepped.headers))
with requests.Session() as s:
    prepped = s.prepare_request(req)
    note("session-prepared", sorted(k for k in prepped.headers if k != "User-Agent"))
    r = s.send(prepped)
    note("send", r.status_code, r.json()["args"])

import pickle
r = requests.get(BASE + "/get")
r2 = pickle.loads(pickle.dumps(r))
note("pickle", r2.status_code, r2.content == r.content, r2.url == r.url)
note("structures", requests.structures.CaseInsensitiveDict({"A": 1})["a"])
note("versions", isinstance(requests.__version__, str), requests.__version__ >= "2.0.0")
'''


def _run(module: Any, base: str) -> list[str]:
    namespace: dict[str, Any] = {"requests": module, "BASE": base}
    exec(compile(SCRIPT, "<requests script>", "exec"), namespace)
    out: list[str] = namespace["out"]
    return [line.replace("python-tether", "python-requests") for line in out]


def test_requests_script_runs_unchanged_on_tether(httpbin: Any) -> None:
    requests = pytest.importorskip("requests")
    import tether

    assert isinstance(tether, types.ModuleType)
    expected = _run(requests, httpbin.url)
    got = _run(tether, httpbin.url)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == theirs
