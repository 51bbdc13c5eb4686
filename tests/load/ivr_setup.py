#!/usr/bin/env python3
"""Gives the demo tenant of a fresh `kefu serve` an IVR number for the call-setup bench.

    tests/load/ivr_setup.py <base-url> <data-dir> [number]

Logs in as the demo admin (data-dir/demo-credentials.json), uploads a 2-second tenant prompt
`bench-greeting` (8 kHz WAV, generated here), publishes the first-party `ivr-menu` component
(from KEFU_PLUGIN_WASM_DIR or ~/.cache/kefu/target-wasm/plugins; build it with
plugins/build.sh) and installs it to answer, play that prompt, then wait for a key, and points
the number (default +15555550101) at it. The demo trunk already admits SIP from 127.0.0.1.
Standard library only.
"""

import base64
import json
import math
import os
import struct
import sys
import urllib.request


def call(base, method, path, token=None, body=None, content_type="application/json"):
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["content-type"] = content_type
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as res:
            text = res.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}")
    return json.loads(text) if text else None


def wav_2s():
    rate, n = 8000, 16000
    samples = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n)
    )
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(samples)) + samples


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base, data_dir = sys.argv[1].rstrip("/"), sys.argv[2]
    number = sys.argv[3] if len(sys.argv) > 3 else "+15555550101"
    creds = json.load(open(os.path.join(data_dir, "demo-credentials.json")))
    admin = next(u for u in creds["users"] if u["role"] in ("owner", "admin"))
    session = call(base, "POST", "/api/v1/sessions",
                   body={"email": admin["email"], "password": admin["password"]})
    token = session["access_token"]
    tenant = session["tenant"]["id"]
    call(base, "PUT", "/api/v1/prompts/bench-greeting", token, wav_2s(), "audio/wav")
    wasm_dir = os.environ.get("KEFU_PLUGIN_WASM_DIR",
                              os.path.expanduser("~/.cache/kefu/target-wasm/plugins"))
    wasm = open(os.path.join(wasm_dir, "ivr_menu.wasm"), "rb").read()
    call(base, "POST", "/api/v1/plugin-versions", token, {
        "manifest": {"name": "bench-menu", "version": "1.0.0", "world": "ivr",
                     "capabilities": {"config": True, "log": True,
                                      "http": {"allowed_hosts": ["pins.example.com"]}}},
        "component": base64.b64encode(wasm).decode(), "public": False})
    menu = {"greeting": [{"tenant": "bench-greeting"}], "start": "main",
            "menus": {"main": {"prompt": [], "options": {"1": {"hang_up": {}}}}}}
    installation = call(base, "POST", "/api/v1/plugin-installations", token, {
        "publisher": tenant, "name": "bench-menu", "version": "1.0.0",
        "config": {"menu": menu}})["id"]
    call(base, "POST", "/api/v1/numbers", token, {
        "number": number, "label": "Bench IVR",
        "entry": {"kind": "ivr", "installation": installation}})
    print(f"{number} answers with ivr-menu ({installation}) playing a 2 s tenant prompt")


if __name__ == "__main__":
    main()
