#!/usr/bin/env python3
"""Latency of `trustlint server` on a workspace: the time from an edit (didChange of an
open buffer) to the diagnostics that reflect it, as an editor sees it.

    bench/server_latency.py BINARY WORKSPACE [--file REL] [--changes N] [--watched]

Starts `BINARY server` with WORKSPACE as its one workspace folder, waits for the first
check of the whole folder, opens REL (default: the first .json with a `gitlab.com:sub`
condition), then N times (default 20) replaces its buffer with a text whose findings
differ (its `gitlab.com:sub` condition made `*` and put back) and times the
moment the diagnostics of REL change to the expected ones, and the moment the server's
log says its run after the change ended (every file's diagnostics published), with the
time that run's lint took (from the same log line), and the lint time of the fast pass
over the edited file (from its log line). Also prints the server's CPU time per change
(user + system, from /proc, over the whole series: the fast pass and the full run), which
other work on the machine does not inflate as it does the wall times.
`--watched` tells the server the client reports changes on disk (dynamic registration
of watched files), which lets it reuse the texts of its last run instead of reading the
files again. Prints the median, minimum and maximum of both, in milliseconds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import queue
import re
from pathlib import Path


class Client:
    def __init__(self, binary, root, watched):
        self.proc = subprocess.Popen(
            [binary, "server"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.inbox = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        caps = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}} if watched else {}
        uri = Path(root).resolve().as_uri()
        self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": "bench"}],
            "capabilities": caps,
        })
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            self.inbox.put((time.perf_counter(), json.loads(body)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)

    def wait(self, wanted, timeout=300):
        deadline = time.perf_counter() + timeout
        while True:
            at, message = self.inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
            if "method" in message and "id" in message:
                # A request from the server (registerCapability): accept it.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if wanted(message):
                return at, message

    def cpu_seconds(self):
        """The server's user + system CPU time so far (Linux /proc), or None."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=60)


def run_ended(message):
    return message.get("method") == "window/logMessage" and "trustlint: checked" in message["params"]["message"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("workspace")
    parser.add_argument("--file")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--watched", action="store_true")
    args = parser.parse_args()
    root = Path(args.workspace).resolve()
    if args.file:
        path = root / args.file
    else:
        candidates = sorted(root.rglob("*.json"))
        path = next(p for p in candidates if '"gitlab.com:sub"' in p.read_text())
    uri = path.as_uri()
    text = path.read_text()
    start = time.perf_counter()
    client = Client(os.path.abspath(args.binary), root, args.watched)
    client.notify("textDocument/didOpen", {
        "textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}})
    at, log = client.wait(run_ended)
    print(f"first check of {root}: {(at - start) * 1000:.0f} ms ({log['params']['message']})")
    # Let the open's own run end (it may have been queued behind the first).
    time.sleep(0.5)
    while not client.inbox.empty():
        client.inbox.get()

    sub = re.compile(r'("gitlab\.com:sub"\s*:\s*)"[^"]*"')
    if not sub.search(text):
        sys.exit(f"{path}: no `gitlab.com:sub` condition to widen")
    # The buffer alternates between the file with its sub condition made `*` (TL101 on
    # it: every project gets in) and the file as it is.
    star = sub.sub(r'\1"*"', text)
    texts = [star, text]
    shown, ended, linted, fast = [], [], [], []
    cpu_before = client.cpu_seconds()
    for version in range(2, args.changes + 2):
        new = texts[version % 2]
        expect_tl101 = new is star
        sent = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": new}]})

        def reflects(message):
            if message.get("method") != "textDocument/publishDiagnostics" or message["params"]["uri"] != uri:
                return False
            codes = {d["code"] for d in message["params"]["diagnostics"]}
            return ("TL101" in codes) == expect_tl101

        at, _ = client.wait(reflects)
        shown.append((at - sent) * 1000)
        _, log = client.wait(lambda m: m.get("method") == "window/logMessage"
                             and "fast pass over" in m["params"]["message"])
        fast.append(float(re.search(r" in (\d+) ms", log["params"]["message"]).group(1)))
        at, log = client.wait(run_ended)
        ended.append((at - sent) * 1000)
        linted.append(float(re.search(r" in (\d+) ms", log["params"]["message"]).group(1)))
    cpu_after = client.cpu_seconds()
    client.stop()
    for name, series in (("diagnostics of the edited file", shown),
                         ("whole run published", ended),
                         ("the whole run's lint alone", linted),
                         ("the fast pass's lint alone", fast)):
        print(f"{name}: median {statistics.median(series):.0f} ms, "
              f"min {min(series):.0f} ms, max {max(series):.0f} ms over {len(series)} changes")
    if cpu_before is not None and cpu_after is not None:
        per_change = (cpu_after - cpu_before) * 1000 / args.changes
        print(f"the server's CPU time per change: {per_change:.0f} ms")


if __name__ == "__main__":
    main()
