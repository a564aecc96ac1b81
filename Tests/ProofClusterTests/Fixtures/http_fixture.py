#!/usr/bin/env python3
"""Loopback HTTP(S) server for ProofCluster's HTTP-layer tests.

Prints "PORT <n>" once listening on 127.0.0.1:<n> (port 0 = any free port). Routes:
  /echo                      method, path, headers, body, client port, client certificate CN (JSON)
  /corpus/<code>/<folder>/<file>/...  Fixtures/corpus/<folder>/<file> verbatim with status <code>
  /status/<code>             a Kubernetes Status with that code (?retry-after=S adds Retry-After)
  /flaky/<key>/<n>/<code>    the first n hits of <key> answer <code> (with Retry-After: 0), then 200
  /flakydrop/<key>/<n>       the first n hits of <key> close the connection without answering, then 200
  /count/<key>               how many times <key> was hit
  /gzip                      a large JSON body, gzip-encoded when the client accepts it
  /slow/<seconds>            answers after a delay
  /stream/<n>                n JSON lines, chunked, a little apart
  /stream-then-hang          one line, then silence (for idle timeouts)
  /stream-quiet              headers at once, one line 1.5 s later
  /stream-forever            256 KiB lines as fast as the client takes them; /count/forever counts them
  /needs-cert                401 without a verified client certificate
  /needs-token/<token>       401 unless the request carries "Authorization: Bearer <token>"
Absolute-URI requests (a forward proxy's traffic) are answered {"proxied": true, "target": ...}.
Options: --tls CERT KEY CA (client certificates are verified against CA but optional).
"""
import gzip, json, os, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()


def hit(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, doc, headers=()):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def client_cn(self):
        try:
            cert = self.connection.getpeercert()
        except AttributeError:
            return None
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for name, value in rdn:
                if name == "commonName":
                    return value
        return None

    def status(self, code, reason, message, headers=()):
        self.send_json(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                              "reason": reason, "message": message}, headers)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("http://"):
            return self.send_json(200, {"proxied": True, "target": self.path})
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts[0] == "echo":
            return self.send_json(200, {
                "method": self.command, "path": self.path, "body": body.decode("utf-8", "replace"),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "clientPort": self.client_address[1], "clientCN": self.client_cn()})
        if parts[0] == "corpus":
            # /corpus/<code>/<folder>/<file>/<anything>: the file under Fixtures/corpus verbatim with that status
            # (text/plain for .txt, as Loki sends its errors); the rest of the path is the client's own.
            name = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", parts[2], parts[3])
            with open(name, "rb") as handle:
                data = handle.read()
            self.send_response(int(parts[1]))
            self.send_header("Content-Type", "text/plain; charset=utf-8" if name.endswith(".txt") else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if parts[0] == "status":
            code = int(parts[1])
            headers = []
            if query.startswith("retry-after="):
                headers.append(("Retry-After", query.split("=", 1)[1]))
            return self.status(code, {404: "NotFound", 409: "Conflict", 410: "Expired", 429: "TooManyRequests",
                                      503: "ServiceUnavailable"}.get(code, "Unknown"), "fixture status %d" % code, headers)
        if parts[0] == "flaky":
            key, n, code = parts[1], int(parts[2]), int(parts[3])
            if hit(key) <= n:
                return self.status(code, "TooManyRequests" if code == 429 else "ServiceUnavailable",
                                   "try again", [("Retry-After", "0")])
            return self.send_json(200, {"ok": True, "hits": counts[key]})
        if parts[0] == "flakydrop":
            key, n = parts[1], int(parts[2])
            if hit(key) <= n:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            return self.send_json(200, {"ok": True, "hits": counts[key]})
        if parts[0] == "count":
            return self.send_json(200, {"count": counts.get(parts[1], 0)})
        if parts[0] == "gzip":
            doc = json.dumps({"items": [{"name": "item-%d" % i, "value": "x" * 50} for i in range(2000)]}).encode()
            accepts = "gzip" in (self.headers.get("Accept-Encoding") or "")
            data = gzip.compress(doc) if accepts else doc
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if accepts:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("X-Identity-Length", str(len(doc)))
            self.send_header("X-Wire-Length", str(len(data)))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if parts[0] == "slow":
            time.sleep(float(parts[1]))
            return self.send_json(200, {"slow": True})
        if parts[0] in ("stream", "stream-then-hang", "stream-forever", "stream-quiet"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                if parts[0] == "stream":
                    for i in range(int(parts[1])):
                        # Split one line over two chunks now and then, as real servers do.
                        line = json.dumps({"type": "ADDED", "index": i}).encode() + b"\n"
                        if i % 3 == 0:
                            self.chunk(line[:5]); self.chunk(line[5:])
                        else:
                            self.chunk(line)
                        time.sleep(0.005)
                    self.chunk(b"")
                elif parts[0] == "stream-quiet":
                    time.sleep(1.5)
                    self.chunk(b'{"late":true}\n')
                    self.chunk(b"")
                elif parts[0] == "stream-then-hang":
                    self.chunk(b'{"first":true}\n')
                    time.sleep(30)
                else:
                    i = 0
                    pad = "x" * 262144
                    while True:
                        self.chunk(json.dumps({"index": i, "pad": pad}).encode() + b"\n")
                        hit("forever")
                        i += 1
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass
            self.close_connection = True
            return
        if parts[0] == "needs-token":
            if self.headers.get("Authorization") != "Bearer " + parts[1]:
                return self.status(401, "Unauthorized", "token refused")
            return self.send_json(200, {"token": parts[1]})
        if parts[0] == "needs-cert":
            if self.client_cn() is None:
                return self.status(401, "Unauthorized", "a client certificate is required")
            return self.send_json(200, {"clientCN": self.client_cn()})
        return self.status(404, "NotFound", "no route " + path)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that leave mid-stream are expected


def main():
    args = sys.argv[1:]
    server = Server(("127.0.0.1", 0), Handler)
    if args[:1] == ["--tls"]:
        cert, key, ca = args[1:4]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.load_verify_locations(ca)
        context.verify_mode = ssl.CERT_OPTIONAL
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    # Exit when the test process closes our stdin (so no server outlives its test).
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
