"""Answers GET /health and GET /hello on $PORT, with the standard library and the bundled x."""
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import x


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"/health": b"ok", "/hello": x.GREETING.encode()}.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")


HTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
