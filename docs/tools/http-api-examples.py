#!/usr/bin/env python3
"""Runs the curl examples of docs/http-api.md against a live `picloud serve`
and prints them with their real responses, as Markdown.

    PICLOUD_URL=http://127.0.0.1:8080 TOKEN=pic_... python3 docs/tools/http-api-examples.py
"""
import json, os, re, shlex, subprocess

URL = os.environ.get("PICLOUD_URL", "http://127.0.0.1:8080")
TOKEN = os.environ["TOKEN"]
ADMIN = f"{URL}/api/v1/admin"
state = {}
RAW = object()  # marks the malformed-JSON example

def curl(title, method, path, body=None, auth=True, save=None, status_only=False):
    path = path.format(**state)
    args = ["curl", "-s"]
    if method != "GET":
        args += ["-X", method]
    if auth:
        args += ["-H", "Authorization: Bearer $TOKEN"]
    if body is RAW:
        args += ["-H", "content-type: application/json", "-d", '{"name": "x", "source": ']
    elif body is not None:
        args += ["-H", "content-type: application/json", "-d", json.dumps(body)]
    args.append(f"{ADMIN}{path}" if path.startswith("/") else path)
    real = [a.replace("$TOKEN", TOKEN) for a in args] + ["-w", "\n%{http_code}"]
    out = subprocess.run(real, capture_output=True, text=True).stdout
    text, code = out.rsplit("\n", 1)
    shown = " ".join(shlex.quote(a) if a != "Authorization: Bearer $TOKEN" else '"Authorization: Bearer $TOKEN"' for a in args)
    try:
        parsed = json.loads(text)
        pretty = json.dumps(parsed, indent=2)
    except ValueError:
        parsed, pretty = None, text
    if save and parsed is not None:
        for key, field in save.items():
            state[key] = parsed[field] if not isinstance(parsed, list) else parsed[0][field]
    print(f"### {title}\n\n```sh\n{shown}\n```\n\n`{code}`" + (f"\n\n```json\n{pretty}\n```\n" if pretty.strip() else "\n"))

curl("Without a token: 401", "GET", "/scripts", auth=False)
curl("Create a script", "POST", "/scripts",
     {"name": "hello", "source": 'let name = request.query.name ?? "world";\n#{ greeting: `Hello, ${name}!` }', "description": "greets"},
     save={"id": "id"})
curl("A script that does not compile: 400, nothing stored", "POST", "/scripts",
     {"name": "broken", "source": "let x = 1;\nlet = 2;"})
curl("A duplicate name: 409", "POST", "/scripts", {"name": "hello", "source": "1"})
curl("Malformed JSON: 400", "POST", "/scripts", RAW)
curl("List scripts", "GET", "/scripts")
curl("Show a script (by id or name) with its active source", "GET", "/scripts/hello")
curl("Update the source: a new version", "PUT", "/scripts/{id}", {"source": '#{ greeting: "Hi!" }'})
curl("Version history", "GET", "/scripts/{id}/versions")
curl("One version's source", "GET", "/scripts/{id}/versions/1")
curl("Roll back to version 1", "POST", "/scripts/{id}/versions/1/activate", {})
curl("Bind a route", "POST", "/scripts/{id}/routes", {"method": "GET", "path": "/hello/{who}"}, save={"route": "id"})
curl("A conflicting route: 409 naming the route it collides with", "POST", "/scripts/{id}/routes", {"method": "GET", "path": "/hello/{name}"})
curl("A reserved path: 400", "POST", "/scripts/{id}/routes", {"method": "GET", "path": "/api/mine"})
curl("Check a route before creating it", "POST", "/routes/check", {"method": "*", "path": "/hello/{x}"})
curl("Which script answers a request", "GET", "/routes/match?method=GET&path=/hello/ada")
curl("A path that matches with another method: 405", "GET", "/routes/match?method=POST&path=/hello/ada")
curl("All routes", "GET", "/routes")
curl("Test-run the saved script with a request", "POST", "/scripts/{id}/test",
     {"request": {"method": "GET", "path": "/hello/ada", "query": [["name", "Ada"]]}})
curl("Test-run a draft without saving it", "POST", "/test",
     {"source": 'log::warn("about to loop");\nloop { }', "request": {}})
curl("Limit defaults and the ceiling", "GET", "/config")
curl("Change a default", "PUT", "/config", {"limits": {"max_operations": 1000000}})
curl("Above the ceiling: 400", "PUT", "/config", {"limits": {"timeout_ms": 3600000}})
curl("Per-script overrides", "PUT", "/scripts/{id}/limits", {"limits": {"timeout_ms": 1000}})
curl("A script's invocation log", "GET", "/scripts/{id}/logs?status=error&limit=20")
curl("Admin tokens (never the secret)", "GET", "/tokens")
curl("Create a token (the secret is shown once)", "POST", "/tokens", {"label": "laptop"}, save={"token_id": "id"})
curl("Revoke a token", "DELETE", "/tokens/{token_id}")
curl("Delete a route", "DELETE", "/routes/{route}")
curl("Delete a script (with its versions, routes and logs)", "DELETE", "/scripts/{id}")
curl("Unknown id: 404", "GET", "/scripts/{id}")
