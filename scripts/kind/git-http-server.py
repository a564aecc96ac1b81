#!/usr/bin/env python3
"""A Git server over smart HTTP: every request is handed to `git http-backend` (CGI), clone and push alike.

    git-http-server.py [--port 8080] [--bind 0.0.0.0] [--root /srv/git] [--repository platform.git]

It creates the bare repository ROOT/REPOSITORY (branch main, pushes allowed) when missing, then serves every
repository under ROOT at http://HOST:PORT/NAME.git. In the kind cluster it is the in-cluster Git server Argo CD's
repo-server pulls from and the harness pushes to (scripts/kind/git-server.yaml); the test suite runs it on
127.0.0.1 to push to it. No authentication: it is for a throw-away CI cluster only.
"""
import argparse
import http.server
import os
import subprocess
import sys


class GitHandler(http.server.BaseHTTPRequestHandler):
    """Runs `git http-backend` for one request, with the CGI variables it reads, and relays its answer."""

    root = "/srv/git"

    def do_GET(self):
        self.backend()

    def do_POST(self):
        self.backend()

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def backend(self):
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        body = self.read_body() if self.command == "POST" else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        env["CONTENT_LENGTH"] = str(len(body))
        result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
        if result.stderr:
            sys.stderr.write(result.stderr.decode("utf-8", "replace"))
        head, _, content = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, content = result.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args):
        sys.stderr.write("git-http-server: %s %s\n" % (self.address_string(), format % args))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--root", default="/srv/git")
    parser.add_argument("--repository", default="platform.git")
    arguments = parser.parse_args()
    repository = os.path.join(arguments.root, arguments.repository)
    if not os.path.isdir(repository):
        os.makedirs(arguments.root, exist_ok=True)
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", repository], check=True)
    subprocess.run(["git", "-C", repository, "config", "http.receivepack", "true"], check=True)
    GitHandler.root = arguments.root
    server = http.server.ThreadingHTTPServer((arguments.bind, arguments.port), GitHandler)
    print("git-http-server: serving %s on http://%s:%d/%s" % (arguments.root, arguments.bind, server.server_address[1], arguments.repository), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
