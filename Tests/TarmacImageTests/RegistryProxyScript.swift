/// A small HTTP front for a real registry, run by the tests with python3:
/// - `--cut BYTES`: the first GET of each blob without a `Range` header sends its headers and
///   only BYTES bytes of the body, then drops the connection (a registry dying mid-pull);
/// - `--token USER:PASS`: demands `Authorization: Bearer <token>` on `/v2/…`, answering 401 with
///   a `WWW-Authenticate: Bearer realm=…/token,service=…,scope=…` challenge; `/token` hands out
///   the token for basic credentials USER:PASS (the bearer flow of Docker Hub and friends).
/// - `--redirect`: blob GETs are answered `307` to `http://localhost:PORT/storage/…` (another
///   host, as presigned storage URLs are), served without auth checks.
/// Every request is logged as `METHOD PATH range=… auth=…` to the log file.
enum RegistryProxyScript {
    static let source = #"""
import base64, http.client, http.server, json, os, signal, socketserver, sys, threading

# The test runner may start children with SIGTERM ignored or blocked; stop on it regardless.
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
upstream = args["--upstream"]
port = int(args["--port"])
cut = int(args.get("--cut", "0"))
token_login = args.get("--token")
redirect = args.get("--redirect") == "yes"
log = open(args["--log"], "a", buffering=1)
lock = threading.Lock()
cut_done = set()
TOKEN = "tarmac-test-token"

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self):
        auth = self.headers.get("Authorization", "")
        with lock:
            log.write("%s %s range=%s auth=%s\n" % (self.command, self.path, self.headers.get("Range", "-"), auth.split(" ")[0] or "-"))

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        self.record()
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else None
        path = self.path
        if path.startswith("/storage/"):
            path = path[len("/storage"):]
        elif redirect and self.command == "GET" and "/blobs/sha256:" in path:
            return self.reply(307, b"", {"Location": "http://localhost:%d/storage%s" % (port, path)})
        elif token_login is not None:
            if self.path.startswith("/token"):
                expected = "Basic " + base64.b64encode(token_login.encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
                return self.reply(200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})
            if self.headers.get("Authorization") != "Bearer " + TOKEN:
                challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="tarmac-test",scope="repository:x:pull"' % port
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
        conn = http.client.HTTPConnection(upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                self.send_header(k, v)
        data = resp.read()
        if resp.getheader("Content-Length") is None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        is_blob = "/blobs/sha256:" in self.path and self.command == "GET" and "Range" not in self.headers
        with lock:
            should_cut = cut > 0 and is_blob and self.path not in cut_done and len(data) > cut
            if should_cut:
                cut_done.add(self.path)
        if should_cut:
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

    do_GET = handle_any
    do_HEAD = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_PATCH = handle_any

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

server = Server(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
"""#
}
