"""python-app: a Ferry model on the Python standard library alone.

GET /health, GET /openapi.json, and POST /predict {"text": "..."} -> statistics of the text (see
textstats.py). Listens on HOST and PORT from the environment (Ferry sets both) and writes one line
per request to stdout, except successful health checks (Ferry polls them every few seconds). On
SIGTERM it stops taking connections, lets requests in flight finish, and exits 0. Errors are
{"error": {"code", "message"}} with a stable code.
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # the unpacked package is Ferry's; leave no __pycache__ in it

from openapi import build_openapi  # noqa: E402
from textstats import analyse  # noqa: E402

MAX_BODY_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 100_000
DRAIN_SECONDS = 10
HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "descriptor.json"), encoding="utf-8") as f:
    OPENAPI = build_openapi(json.load(f))


class HttpError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class InFlight:
    """Counts requests being answered, so that shutdown can wait for them."""

    def __init__(self):
        self.count, self.cond = 0, threading.Condition()

    def __enter__(self):
        with self.cond:
            self.count += 1

    def __exit__(self, *exc):
        with self.cond:
            self.count -= 1
            self.cond.notify_all()

    def wait_idle(self, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self.count == 0, timeout)


IN_FLIGHT = InFlight()


def read_text(body):
    if not isinstance(body, dict):
        raise HttpError(422, "INVALID_BODY", 'send a JSON object: {"text": "..."}')
    unknown = [key for key in body if key != "text"]
    if unknown:
        raise HttpError(422, "INVALID_BODY", f'unknown field {json.dumps(unknown[0])}; the body is {{"text": "..."}}')
    text = body.get("text")
    if text is None or not isinstance(text, str) or not text.strip():
        why = "is required" if "text" not in body else "must be a string" if not isinstance(text, str) else "is empty"
        raise HttpError(422, "INVALID_TEXT", f'"text" {why}')
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise HttpError(413, "TEXT_TOO_LARGE", f'"text" is {size} bytes of UTF-8; at most {MAX_TEXT_BYTES} are accepted')
    return text


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's connection pool expects
    server_version = "python-app/1.0"

    def read_body(self):
        """The whole body (Content-Length or chunked); over the limit it is read and dropped."""
        chunks, size = [], 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data = self.rfile.read(length)
                self.rfile.readline()
                size += len(data)
                if size <= MAX_BODY_BYTES:
                    chunks.append(data)
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            while remaining > 0:
                data = self.rfile.read(min(remaining, 65536))
                if not data:
                    break
                remaining -= len(data)
                size += len(data)
                if size <= MAX_BODY_BYTES:
                    chunks.append(data)
        if size > MAX_BODY_BYTES:
            raise HttpError(413, "PAYLOAD_TOO_LARGE", f"the body is {size} bytes; at most {MAX_BODY_BYTES} are accepted")
        return b"".join(chunks)

    def send_json(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.status = status

    def route(self):
        path = self.path.split("?", 1)[0]
        if path == "/health" and self.command == "GET":
            return self.send_json(200, {"status": "ok"})
        if path == "/openapi.json" and self.command == "GET":
            return self.send_json(200, OPENAPI)
        if path == "/predict" and self.command == "POST":
            media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            raw = self.read_body()
            if media_type != "application/json":
                raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"send the body as application/json (got {media_type or 'no content type'})")
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise HttpError(400, "INVALID_JSON", f"the body is not valid JSON: {error}")
            return self.send_json(200, analyse(read_text(body)))
        self.read_body()
        if path in ("/health", "/openapi.json", "/predict"):
            raise HttpError(405, "METHOD_NOT_ALLOWED", f"{self.command} is not allowed on {path}")
        raise HttpError(404, "NOT_FOUND", f"{path} is not served here; see /openapi.json")

    def handle_request(self):
        started, self.status = time.monotonic(), 0
        with IN_FLIGHT:
            try:
                self.route()
            except HttpError as error:
                self.send_json(error.status, {"error": {"code": error.code, "message": error.message}})
            except Exception as error:  # a bug: logged, answered as a plain 500
                print(f"internal error: {error!r}", file=sys.stderr, flush=True)
                self.send_json(500, {"error": {"code": "INTERNAL", "message": "internal error"}})
                self.close_connection = True
        if not (self.path == "/health" and self.status == 200):  # the supervisor polls it every few seconds
            print(f"{self.command} {self.path} {self.status} {(time.monotonic() - started) * 1000:.1f}ms", flush=True)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_request

    def log_request(self, code="-", size="-"):
        pass  # handle_request writes its own line, with the duration

    def log_message(self, format, *args):
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True  # idle keep-alive connections must not hold the exit

    def stop(signum, _frame):
        print(f"python-app: {signal.Signals(signum).name}, stopping", flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"python-app listening on http://{host}:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    drained = IN_FLIGHT.wait_idle(DRAIN_SECONDS)
    print(f"python-app stopped{'' if drained else ' (requests still in flight were cut)'}", flush=True)


if __name__ == "__main__":
    main()
