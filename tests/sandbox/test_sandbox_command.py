"""``manage.py thrive_sandbox`` prints its base URL and serves until killed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def test_command_serves_given_tokens_and_variant():
    process = subprocess.Popen(
        [
            sys.executable,
            str(MANAGE),
            "thrive_sandbox",
            "--port",
            "0",
            "--contacts",
            "30",
            "--dialect",
            "bare",
            "--ids",
            "str",
            "--token",
            "one",
            "--token",
            "two",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Thrive sandbox serving http://127.0.0.1:"), process.stderr.read()
        url = line.split()[-1]
        assert url.endswith("/api/v2")
        response = requests.get(
            url + "/contacts", headers={"Authorization": "Bearer two"}, timeout=5
        )
        assert response.status_code == 200
        assert response.json()["contacts"][0]["id"].startswith("ct_")
        demo = requests.get(url + "/users", headers={"Authorization": "Bearer sandbox-demo-key"})
        assert demo.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
