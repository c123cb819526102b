#!/usr/bin/env python3
"""A loopback model server for tests: OpenAI-compatible and Anthropic APIs, scripted answers,
faults on demand. Python standard library only.

    python3 Scripts/fake_model_server.py --script answers.json [--port 0] [--port-file F] [--log requests.jsonl]

Endpoints: POST /v1/chat/completions, POST /v1/completions, POST /v1/messages, GET /v1/models,
GET /stats. It binds 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT` when ready.

The script (JSON):

    {
      "models": ["fake-coder"],             # anything else gets 404 model_not_found
      "ignore_n": false,                     # true: one choice per request whatever n asks
      "chunked": false,                      # true: answers in 7-byte chunks with a trailer (Transfer-Encoding: chunked)
      "delay": 0.0,                          # seconds before every answer
      "default": "I cannot help with that.", # answer when no entry matches
      "answers": [
        {"match": "def vowel_runs",          # substring of the prompt (user turns joined)
         "responses": ["text", {"text": "...", "finish_reason": "length"}]}
      ],
      "faults": [
        {"kind": "429", "match": "vowel", "times": 1, "retry_after": "0.2"},
        {"kind": "429", "retry_after_ms": 50},
        {"kind": "500"}, {"kind": "503"}, {"kind": "drop"}, {"kind": "invalid_json"},
        {"kind": "slow", "delay": 3}, {"kind": "reject_param", "param": "max_tokens"},
        {"kind": "quota"}
      ]
    }

Choice i of a request with seed s is `responses[(s + i) % len(responses)]` (no seed: s = 0), so
per-sample seeds (`seed + sample_index`) select the same answer whether or not `n` is used.

Faults are per request identity (path, prompt, seed, n): the faults whose `match` is in the
prompt (all, when `match` is absent) form a sequence, each repeated `times` (default 1); attempt k
of that request gets the k-th fault of the sequence, and later attempts are answered normally.
A fault with `"every": true` instead hits every attempt (e.g. a permanent 500).

Every request is appended to `--log` as one JSON line (flushed), with its identity, the fault it
got and whether it was answered.
"""

import argparse
import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, script, log_path):
        self.script = script
        self.lock = threading.Lock()
        self.attempts = {}
        self.counts = {"requests": 0, "answered": 0, "faults": 0}
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    def record(self, entry):
        with self.lock:
            self.counts["requests"] += 1
            if entry.get("fault"):
                self.counts["faults"] += 1
            if entry.get("answered"):
                self.counts["answered"] += 1
            if self.log:
                self.log.write(json.dumps(entry, sort_keys=True) + "\n")
                self.log.flush()

    def next_attempt(self, identity):
        with self.lock:
            attempt = self.attempts.get(identity, 0)
            self.attempts[identity] = attempt + 1
            return attempt


def prompt_text(path, body):
    if path.endswith("/completions") and not path.endswith("/chat/completions"):
        prompt = body.get("prompt", "")
        return prompt if isinstance(prompt, str) else json.dumps(prompt)
    parts = []
    for message in body.get("messages", []):
        content = message.get("content", "")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        if message.get("role") == "user":
            parts.append(content)
    return "\n".join(parts)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeModelServer/1"

    def log_message(self, format, *args):  # quiet
        pass

    @property
    def state(self):
        return self.server.state

    def send_json(self, status, payload, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(payload).encode("utf-8")
        chunked = bool(self.state.script.get("chunked"))  # as Go servers (Ollama) send long answers
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if chunked:
            for start in range(0, len(data), 7):
                piece = data[start:start + 7]
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
        else:
            self.wfile.write(data)
        self.wfile.flush()

    def error_payload(self, anthropic, kind, message, param=None, code=None):
        if anthropic:
            return {"type": "error", "error": {"type": kind, "message": message}}
        return {"error": {"message": message, "type": kind, "param": param, "code": code}}

    def do_GET(self):
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            models = self.state.script.get("models", ["fake-coder"])
            self.send_json(200, {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "fake"} for m in models]})
        elif self.path == "/stats":
            with self.state.lock:
                self.send_json(200, dict(self.state.counts))
        else:
            self.send_json(404, {"error": {"message": "no such endpoint: " + self.path, "type": "not_found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.rstrip("/")
        anthropic = path.endswith("/messages")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.send_json(400, self.error_payload(anthropic, "invalid_request_error", "body is not JSON"))
            return
        if not (path.endswith("/chat/completions") or path.endswith("/completions") or anthropic):
            self.send_json(404, {"error": {"message": "no such endpoint: " + self.path, "type": "not_found"}})
            return
        script = self.state.script
        prompt = prompt_text(path, body)
        seed = body.get("seed")
        n = body.get("n", 1) or 1
        prompt_hash = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]
        identity = "%s|%s|%s|%s" % (path, prompt_hash, seed, n)
        entry = {"path": path, "model": body.get("model"), "seed": seed, "n": n, "prompt_hash": prompt_hash,
                 "identity": identity, "time": time.time()}
        for answer in script.get("answers", []):
            if answer.get("match", "") in prompt:
                entry["match"] = answer.get("match")
                break

        if body.get("model") not in script.get("models", ["fake-coder"]):
            entry.update(fault=None, answered=False, status=404)
            self.state.record(entry)
            message = "The model `%s` does not exist." % body.get("model")
            self.send_json(404, self.error_payload(anthropic, "not_found_error" if anthropic else "NotFoundError", message,
                                                   param="model", code=404))
            return

        attempt = self.state.next_attempt(identity)
        fault = self.pick_fault(prompt, attempt)
        entry["attempt"] = attempt
        entry["fault"] = fault.get("kind") if fault else None
        if fault and self.apply_fault(fault, anthropic, entry):
            return

        delay = float(script.get("delay", 0))
        if delay:
            time.sleep(delay)
        self.answer(path, body, prompt, seed, n, anthropic, entry)

    def pick_fault(self, prompt, attempt):
        sequence = []
        for fault in self.state.script.get("faults", []):
            if "match" in fault and fault["match"] not in prompt:
                continue
            if fault.get("every"):
                return fault
            sequence.extend([fault] * int(fault.get("times", 1)))
        return sequence[attempt] if attempt < len(sequence) else None

    def apply_fault(self, fault, anthropic, entry):
        """Sends the fault; returns False when the request should still be answered (slow)."""
        kind = str(fault.get("kind"))
        if kind == "slow":
            # Logged when the delay starts (the client may have given up before the answer).
            self.state.record(dict(entry, answered=False, status=None))
            time.sleep(float(fault.get("delay", 2)))
            entry["logged"] = True
            return False
        entry.update(answered=False)
        if kind == "429":
            headers = {}
            if "retry_after_ms" in fault:
                headers["retry-after-ms"] = str(fault["retry_after_ms"])
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            entry["status"] = 429
            self.state.record(entry)
            self.send_json(429, self.error_payload(anthropic, "rate_limit_error", "Rate limit reached; slow down.",
                                                   code="rate_limit_exceeded"), headers)
        elif kind == "quota":
            entry["status"] = 429
            self.state.record(entry)
            self.send_json(429, self.error_payload(anthropic, "insufficient_quota", "You exceeded your current quota.",
                                                   code="insufficient_quota"))
        elif kind in ("500", "502", "503", "529"):
            entry["status"] = int(kind)
            self.state.record(entry)
            self.send_json(int(kind), self.error_payload(anthropic, "server_error", "The server had an error."))
        elif kind == "drop":
            entry["status"] = None
            self.state.record(entry)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.connection.close()
            self.close_connection = True
        elif kind == "invalid_json":
            entry["status"] = 200
            self.state.record(entry)
            self.send_json(200, None, raw=b'{"id": "cmpl-broken", "choices": [{"index": 0, "message": {"content": "trunc')
        elif kind == "reject_param":
            param = fault.get("param", "max_tokens")
            entry["status"] = 400
            self.state.record(entry)
            message = "Unsupported parameter: '%s' is not supported with this model." % param
            self.send_json(400, self.error_payload(anthropic, "invalid_request_error", message, param=param,
                                                   code="unsupported_parameter"))
        else:
            entry["status"] = 500
            self.state.record(entry)
            self.send_json(500, self.error_payload(anthropic, "server_error", "unknown fault kind " + kind))
        return True

    def responses_for(self, prompt):
        for answer in self.state.script.get("answers", []):
            if answer.get("match", "") in prompt:
                return answer.get("responses") or [""]
        return [self.state.script.get("default", "I cannot help with that.")]

    def answer(self, path, body, prompt, seed, n, anthropic, entry):
        responses = self.responses_for(prompt)
        count = 1 if (self.state.script.get("ignore_n") or anthropic) else max(1, int(n))
        base = int(seed) if isinstance(seed, int) else 0
        choices = []
        for i in range(count):
            item = responses[(base + i) % len(responses)]
            if isinstance(item, str):
                item = {"text": item}
            choices.append((item.get("text", ""), item.get("finish_reason", "stop")))
        tokens_in = len(prompt.split())
        tokens_out = sum(len(text.split()) for text, _ in choices)
        model = body.get("model")
        entry.update(answered=True, status=200, choices=len(choices))
        try:
            self.send_answer(path, model, choices, tokens_in, tokens_out, anthropic)
        finally:
            # Logged once the answer is written: `answered` means the client could have it.
            if not entry.pop("logged", False):
                self.state.record(entry)

    def send_answer(self, path, model, choices, tokens_in, tokens_out, anthropic):
        if anthropic:
            text, finish = choices[0]
            self.send_json(200, {
                "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "max_tokens" if finish == "length" else "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}})
        elif path.endswith("/chat/completions"):
            self.send_json(200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                            for i, (text, finish) in enumerate(choices)],
                "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}})
        else:
            self.send_json(200, {
                "id": "cmpl-fake", "object": "text_completion", "created": int(time.time()), "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": i, "text": text, "finish_reason": finish, "logprobs": None}
                            for i, (text, finish) in enumerate(choices)],
                "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--script", required=True, help="JSON file with models, answers and faults")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--port-file", help="write the chosen port to this file once listening")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    args = parser.parse_args()
    with open(args.script, encoding="utf-8") as f:
        script = json.load(f)
    ThreadingHTTPServer.request_queue_size = 128  # many clients at once on a loaded machine
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(script, args.log)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
