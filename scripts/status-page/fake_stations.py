#!/usr/bin/env python3
"""Serves recorded station pages (Tests/*/Fixtures) on 127.0.0.1 for scripts/check-status-page.sh.

/npr/v1/widget/<ucs>/day?date=D   the recorded WWFM or WCRB day for 2016-07-31, else an empty day
/kexp/v2/plays/                   the recorded KEXP page (its `next` link removed)
/kcrw/Simulcast/date/Y/M/D        the recorded KCRW element on 2026-01-27; an HTML error page on 01-26
Prints its port, then serves until killed.
"""
import json, os, sys, http.server, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "DeclarativeAdapterTests", "Fixtures")
NPR = {
    ("53a98e36e1c80647e855fc88", "2016-07-31"): os.path.join(FIX, "npr", "wwfm-day-2016-07-31.json"),
    ("5187f5a4e1c8b8ea3d2bd5a2", "2016-07-31"): os.path.join(FIX, "npr", "wcrb-day-2016-07-31.json"),
}

def load(path):
    with open(path, "rb") as f:
        return f.read()

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, kind="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["npr", "v1", "widget"] and len(parts) == 5:
            path = NPR.get((parts[3], query.get("date", "")))
            return self.reply(200, load(path) if path else b'{"onToday": []}')
        if parts[:3] == ["kexp", "v2", "plays"]:
            page = json.loads(load(os.path.join(FIX, "kexp", "v2-plays-page-2020-03-03-limit20-offset0.json")))
            page["next"] = None
            return self.reply(200, json.dumps(page).encode())
        if parts[:3] == ["kcrw", "Simulcast", "date"]:
            day = "/".join(parts[3:6])
            if day == "2026/01/27":
                return self.reply(200, b"[" + load(os.path.join(FIX, "kcrw", "music-all-single-play-2026-01-27-from-readme.json")) + b"]")
            if day == "2026/01/26":
                return self.reply(200, b"<html>maintenance</html>", "text/html")
            return self.reply(200, b"[]")
        self.reply(404, b'{"detail": "not found"}')

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
