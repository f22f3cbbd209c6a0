#!/usr/bin/env python3
"""`make bench`: measures the release server on a demo database of 100k clients and 1M purchases.

Steps: installs `wrk` if missing; builds the release server; creates the demo database once
(cached in target/bench/demo.db) and copies it for each run, so writes never accumulate;
times start-up on an empty and on the demo database; drives each scenario with wrk (fixed
duration, 32 connections, 2 threads) while sampling the server's RSS; times the heavy analytics
tabs, a campaign launch to the whole base and the payroll CSV export one request at a time; runs
the in-process Criterion benchmark of the purchase transaction; prints the table and writes it to
target/bench/results.md.

Python 3 standard library only. Environment knobs: BENCH_DURATION (seconds per wrk scenario,
default 10), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_PORT (18080), BENCH_CLIENTS
(100000), BENCH_OPERATIONS (1000000), BENCH_SKIP_BUILD=1 (use the built server as it is),
BENCH_SKIP_CRITERION=1, BENCH_KEEP=1 (keep the run copy).
"""

import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "bench")
SERVER = os.path.join(ROOT, "target", "release", "crm-server")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "18080"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "100000"))
OPERATIONS = int(os.environ.get("BENCH_OPERATIONS", "1000000"))
SEED = 42
DEMO = os.path.join(OUT, f"demo-{CLIENTS}-{OPERATIONS}-{SEED}.db")
RUN_DB = os.path.join(OUT, "run.db")
EMPTY_DB = os.path.join(OUT, "empty.db")
JWT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
BASE = f"http://127.0.0.1:{PORT}"
TAB_DAYS = 90
TAB_REPEATS = 5
EXPORT_EMPLOYEES = 100_000


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


# ---------------------------------------------------------------- set-up


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk is missing: installing it from the distribution (apt-get install -y wrk)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(sudo + ["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
        run(sudo + ["apt-get", "update"], env=env)
        run(sudo + ["apt-get", "install", "-y", "wrk"], env=env)
    if not shutil.which("wrk"):
        sys.exit("wrk could not be installed; install it (apt-get install wrk) and retry")


def build():
    if os.environ.get("BENCH_SKIP_BUILD"):
        return
    run(["cargo", "build", "--release", "-p", "crm-http", "--bin", "crm-server"])


def server_env(db):
    env = dict(os.environ)
    for name in ("TELEGRAM_BOT_TOKEN", "WORKERS", "APP_ENV", "LOG_FORMAT"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=db,
        JWT_SECRET=JWT_SECRET,
        PORT=str(PORT),
        HOST="127.0.0.1",
        RUST_LOG=os.environ.get("BENCH_RUST_LOG", "warn"),
    )
    return env


def remove_db(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def ensure_demo():
    if os.path.exists(DEMO):
        log(f"demo database cached: {DEMO}")
        return None
    partial = DEMO + ".partial"
    remove_db(partial)
    started = time.monotonic()
    try:
        run(
            [SERVER, "demo-data", "--clients", str(CLIENTS), "--operations", str(OPERATIONS),
             "--seed", str(SEED)],
            env=server_env(partial),
        )
        # Fold the WAL into the file so a plain copy is the whole database.
        with sqlite3.connect(partial) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        remove_db(partial)
        raise
    remove_db(DEMO)
    os.replace(partial, DEMO)
    remove_db(partial)
    return time.monotonic() - started


def migrate_demo():
    """Applies migrations added since the cached demo database was generated, once, so the
    start-up time of each run measures start-up rather than a schema change."""
    run([SERVER, "migrate"], env=server_env(DEMO))
    with sqlite3.connect(DEMO) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def copy_demo(target):
    remove_db(target)
    shutil.copyfile(DEMO, target)


# ---------------------------------------------------------------- the server


class Server:
    """The release server on one database file, with its start-up time."""

    def __init__(self, db):
        self.db = db
        self.log = open(os.path.join(OUT, "server.log"), "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen([SERVER, "serve"], env=server_env(db), cwd=ROOT,
                                     stdout=self.log, stderr=self.log)
        deadline = started + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see "
                                   f"{os.path.join(OUT, 'server.log')}")
            try:
                status, _ = request("GET", "/health", timeout=1)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not answer /health within 120 s")
            time.sleep(0.005)
        self.startup = time.monotonic() - started

    def status(self):
        """VmRSS and VmHWM in MB."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    values[key] = int(value.split()[0]) / 1024
        return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class RssSampler:
    """Samples the server's resident set every 20 ms while a scenario runs; `peak` in MB."""

    def __init__(self, server):
        self.server = server
        self.peak = 0.0
        self.before = server.status()[0]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.server.status()[0])
            except OSError:
                return
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.status()[0])


def request(method, path, token=None, body=None, headers=None, timeout=600, stream=False):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    if stream:
        size = 0
        while True:
            chunk = response.read(65536)
            if not chunk:
                break
            size += len(chunk)
        conn.close()
        return response.status, size
    payload = response.read()
    conn.close()
    return response.status, payload


def token(db):
    out = subprocess.run([SERVER, "token", "--employee-id", "1"], env=server_env(db), cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split()[-1]


# ---------------------------------------------------------------- picking real ids


def pick_ids(db):
    conn = sqlite3.connect(db)
    try:
        client = conn.execute(
            "SELECT id FROM clients WHERE purchase_count > 5 ORDER BY id LIMIT 1 OFFSET 5000"
        ).fetchone()
        if client is None:
            client = conn.execute("SELECT id FROM clients ORDER BY id LIMIT 1").fetchone()
        # Buyers with three generations of recommenders above them and points to spend.
        buyers = [row[0] for row in conn.execute(
            "SELECT c.id FROM clients c JOIN clients r1 ON r1.id = c.referrer_id "
            "JOIN clients r2 ON r2.id = r1.referrer_id JOIN clients r3 ON r3.id = r2.referrer_id "
            "WHERE c.points_balance >= 1000 ORDER BY c.id LIMIT 64")]
        name = conn.execute(
            "SELECT full_name FROM clients WHERE id = ?", (client[0],)).fetchone()[0]
        consenting = conn.execute(
            "SELECT count(*) FROM clients WHERE consent_personal_data = 1").fetchone()[0]
    finally:
        conn.close()
    if not buyers:
        sys.exit("no client with a 3-generation referral chain and points in the demo database")
    # A search by the start of a last name: a realistic prefix that matches many clients.
    search = name.split()[0][:4]
    return client[0], buyers, search, consenting


# ---------------------------------------------------------------- wrk


WRK_SCRIPT = r"""
local counter = 0
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
end
function init(args)
  math.randomseed((tid or 1) * 7919 + os.time())
end
local buyers = {%(buyers)s}
request = function()
  counter = counter + 1
  local body = %(body)s
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(token)s",
  }
  if %(keyed)s then
    headers["Idempotency-Key"] = string.format("bench-%(run)s-%%d-%%d", tid or 0, counter)
  end
  return wrk.format("%(method)s", "%(path)s", headers, body)
end
"""

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")


def wrk(server, name, path, token, method="GET", body_lua=None, buyers=(), keyed=False,
        target=""):
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
            "--timeout", "10s"]
    script = None
    if method != "GET" or body_lua:
        fd, script = tempfile.mkstemp(suffix=".lua", dir=OUT)
        with os.fdopen(fd, "w") as f:
            f.write(WRK_SCRIPT % {
                "buyers": ",".join(str(b) for b in buyers) or "0",
                "body": body_lua or "nil",
                "token": token,
                "keyed": "true" if keyed else "false",
                "run": f"{os.getpid()}-{int(time.time())}",
                "method": method,
                "path": path,
            })
        args += ["-s", script]
    else:
        args += ["-H", f"Authorization: Bearer {token}"]
    args.append(BASE + path)
    log(f"wrk {name}: {method} {path}")
    with RssSampler(server) as rss:
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    if script:
        os.remove(script)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The latency distribution lines ("    50%    1.23ms"), not a "+/- Stdev" figure ending in 50%.
    p50 = parse_ms(re.search(r"^\s+50%\s+(\S+)$", out, re.M).group(1))
    p99 = parse_ms(re.search(r"^\s+99%\s+(\S+)$", out, re.M).group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    if sockets:
        errors += sum(int(g) for g in sockets.groups())
    return {
        "scenario": name,
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "errors": f"{errors} / {total}",
        "rss": rss.peak,
        "target": target,
    }


def single(server, name, path, token, repeats=TAB_REPEATS, target="", method="GET", body=None):
    """Median and max of a few sequential requests (for the heavy tabs)."""
    times = []
    errors = 0
    with RssSampler(server) as rss:
        for _ in range(repeats):
            started = time.monotonic()
            status, _ = request(method, path, token=token, body=body)
            times.append((time.monotonic() - started) * 1000)
            if status // 100 != 2:
                errors += 1
    return {
        "scenario": name,
        "rps": None,
        "p50": statistics.median(times),
        "p99": max(times),
        "errors": f"{errors} / {repeats}",
        "rss": rss.peak,
        "target": target,
        "single": True,
    }


# ---------------------------------------------------------------- scenarios


def iso_days_ago(days):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * 86400))


def analytics_tabs():
    period = urllib.parse.urlencode({"from": iso_days_ago(TAB_DAYS - 1), "to": iso_days_ago(0)})
    tabs = ["customers", "operations", "finance", "ratings", "levels", "page-go", "marketing",
            "control-tower"]
    routes = [(f"tab {tab}", f"/api/v1/admin/analytics/{tab}?{period}") for tab in tabs]
    routes.append(("tab marketing, one segment", f"/api/v1/admin/analytics/marketing?{period}"
                   "&segment=champions&limit=50"))
    routes.append(("dashboard/full", f"/api/v1/admin/dashboard/full?{period}"))
    return routes


def dialogue_reads(client):
    """The registry of messages under single filters, a deep keyset page and a client's
    conversation. The demo holds a few thousand messages; the proof at 1M messages is the
    ignored `dialogues_budget` test (docs/performance.md, "Dialogues")."""
    base = "/api/v1/admin/dialogues/messages"
    return [
        ("dialogues registry", f"{base}?limit=50"),
        ("dialogues registry, name", f"{base}?limit=50&name=" + urllib.parse.quote("ов")),
        ("dialogues registry, status", f"{base}?limit=50&status=delivered"),
        ("dialogues registry, unanswered", f"{base}?limit=50&unanswered=true"),
        ("dialogues registry, before=100", f"{base}?limit=50&before=100"),
        ("dialogues conversation", f"/api/v1/admin/dialogues/{client}/messages?limit=50"),
    ]


def campaign_launch(server, token, consenting):
    body = {
        "name": "Bench: the whole base",
        "purpose": "transactional",
        "channels": ["sms"],
        "content": {"text": "{name}, your balance is {balance} points."},
        "schedule": {"kind": "now"},
    }
    status, payload = request("POST", "/api/v1/admin/campaigns", token=token, body=body)
    if status // 100 != 2:
        raise RuntimeError(f"creating the campaign answered {status}: {payload[:300]!r}")
    campaign = json.loads(payload)["id"]
    with RssSampler(server) as rss:
        started = time.monotonic()
        status, payload = request("POST", f"/api/v1/admin/communications/{campaign}/launch",
                                  token=token)
        elapsed = (time.monotonic() - started) * 1000
    if status // 100 != 2:
        raise RuntimeError(f"the launch answered {status}: {payload[:300]!r}")
    report = json.loads(payload)
    enqueued = report.get("enqueued")
    return {
        "scenario": f"campaign launch (sms, transactional): {enqueued} enqueued of "
                    f"{consenting} clients with consent",
        "rps": None, "p50": elapsed, "p99": elapsed, "errors": "0 / 1", "rss": rss.peak,
        "target": "≤ 3000 ms for 100k", "single": True,
    }


def export_csv(server, token, label):
    before = server.status()[0]
    with RssSampler(server) as rss:
        started = time.monotonic()
        status, size = request("GET", "/api/v1/admin/employees/export.csv", token=token,
                               stream=True)
        elapsed = (time.monotonic() - started) * 1000
    rows = count_accruals(server.db)
    return {
        "scenario": f"export.csv, {label}: {rows} rows, {size / 1e6:.1f} MB "
                    f"(RSS before {before:.0f} MB)",
        "rps": None, "p50": elapsed, "p99": elapsed,
        "errors": "0 / 1" if status == 200 else f"1 / 1 ({status})",
        "rss": rss.peak, "target": "flat memory", "single": True,
    }


def count_accruals(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM payroll_results").fetchone()[0]
    finally:
        conn.close()


def add_employees_and_accruals(db, count):
    """`count` employees and one payroll run with an accrual each, in the real schema."""
    conn = sqlite3.connect(db)
    try:
        now = int(time.time() * 1000)
        columns = {row[1]: row for row in conn.execute("PRAGMA table_info(payroll_results)")}
        run_columns = {row[1]: row for row in conn.execute("PRAGMA table_info(payroll_runs)")}
        conn.execute("BEGIN")
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM employees").fetchone()[0]
        conn.executemany(
            "INSERT INTO employees (id, full_name, name_search, role, created_at, updated_at) "
            "VALUES (?, ?, ?, 'master', ?, ?)",
            ((first + i, f"Мастер {i:06d}", f"мастер {i:06d}", now, now) for i in range(count)))
        run_values = fill_row(run_columns, {
            "period_from": "2000-01-01", "period_to": "2000-01-31", "status": "closed",
            "run_by": "bench", "computed_at": now, "closed_at": now,
        })
        cursor = conn.execute(
            f"INSERT INTO payroll_runs ({', '.join(run_values)}) "
            f"VALUES ({', '.join('?' for _ in run_values)})", list(run_values.values()))
        run_id = cursor.lastrowid
        rows = []
        for i in range(count):
            rows.append(fill_row(columns, {
                "run_id": run_id, "employee_id": first + i, "full_name": f"Мастер {i:06d}",
                "pay_system": "hourly", "hours_centi": 16000, "hourly_rate": 30000,
                "amount": 4_800_000,
            }))
        names = list(rows[0])
        conn.executemany(
            f"INSERT INTO payroll_results ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})", (list(r.values()) for r in rows))
        conn.execute("COMMIT")
    finally:
        conn.close()


def fill_row(columns, given):
    """`given` plus a zero (or empty text) for every other NOT NULL column without a default."""
    row = dict(given)
    for name, (_, _, kind, notnull, default, pk) in columns.items():
        if name in row or pk or not notnull or default is not None:
            continue
        row[name] = "" if "TEXT" in kind.upper() else 0
    return {name: value for name, value in row.items() if name in columns}


# ---------------------------------------------------------------- Criterion


def criterion():
    if os.environ.get("BENCH_SKIP_CRITERION"):
        return None
    run(["cargo", "bench", "-p", "crm-http", "--bench", "purchase", "--", "--noplot"])
    estimates = os.path.join(ROOT, "target", "criterion", "purchase", "commit", "new",
                             "estimates.json")
    with open(estimates) as f:
        data = json.load(f)
    per = data["mean"]["point_estimate"] / 1e6
    low = data["mean"]["confidence_interval"]["lower_bound"] / 1e6
    high = data["mean"]["confidence_interval"]["upper_bound"] / 1e6
    return per, low, high


# ---------------------------------------------------------------- the table


def fmt_ms(value):
    if value is None:
        return "–"
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def table(rows, startup, crit, machine):
    lines = [
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine}; "
        f"wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION} s per scenario; "
        f"single-request rows: median / max of {TAB_REPEATS} (launch, export: one request).",
        "",
        "| scenario | requests/s | p50 (median) | p99 (max) | errors | server RSS peak | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, seconds in startup:
        lines.append(f"| start-up, {label} (spawn → /health 200) | – | {seconds * 1000:.0f} ms "
                     f"| – | – | – | |")
    for r in rows:
        rps = f"{r['rps']:,.0f}" if r["rps"] is not None else "single"
        lines.append(f"| {r['scenario']} | {rps} | {fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | "
                     f"{r['errors']} | {r['rss']:.0f} MB | {r['target']} |")
    if crit:
        per, low, high = crit
        lines.append(f"| purchase in-process (Criterion, no HTTP, one at a time) | "
                     f"{1000 / per:,.0f} implied | {per:.3f} ms (mean; {low:.3f}–{high:.3f}) "
                     f"| – | – | – | storage ceiling |")
    return "\n".join(lines)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), load average {load:.2f} at the start"


def main():
    os.makedirs(OUT, exist_ok=True)
    ensure_wrk()
    build()
    generated = ensure_demo()
    if generated is not None:
        log(f"demo database generated in {generated:.0f} s")
    started_machine = machine()
    startup = []

    remove_db(EMPTY_DB)
    empty = Server(EMPTY_DB)
    startup.append(("empty database (with migrations)", empty.startup))
    empty.stop()
    remove_db(EMPTY_DB)

    migrate_demo()
    log("copying the demo database for this run")
    copy_demo(RUN_DB)
    client, buyers, search, consenting = pick_ids(RUN_DB)
    owner = token(RUN_DB)
    server = Server(RUN_DB)
    startup.append((f"demo database ({CLIENTS:,} clients, {OPERATIONS:,} purchases)",
                    server.startup))
    rows = []
    try:
        # Memory of the export first, on a server that has served nothing else.
        rows.append(export_csv(server, owner, "demo database"))
        rows.append(wrk(server, "GET /health", "/health", owner))
        q = urllib.parse.urlencode({"limit": 50, "search": search})
        rows.append(wrk(server, f"GET /admin/clients?limit=50&search={search}",
                        f"/api/v1/admin/clients?{q}", owner))
        rows.append(wrk(server, "GET /admin/clients/{id}", f"/api/v1/admin/clients/{client}",
                        owner, target="≥ 8,000 req/s"))
        purchase = ('string.format(\'{"client_id":%d,"total":1000,"points_to_spend":5}\', '
                    'buyers[math.random(#buyers)])')
        rows.append(wrk(server, "POST /admin/operations/calc", "/api/v1/admin/operations/calc",
                        owner, method="POST", body_lua=purchase, buyers=buyers))
        rows.append(wrk(server, "GET /admin/dashboard/summary",
                        "/api/v1/admin/dashboard/summary", owner, target="p99 ≤ 20 ms"))
        for name, path in analytics_tabs():
            rows.append(single(server, name, path, owner, target="≤ 300 ms"))
        for name, path in dialogue_reads(client):
            rows.append(single(server, name, path, owner, target="≤ 20 ms"))
        rows.append(wrk(server, f"POST /admin/operations (purchase with points, 3-generation "
                        f"chain, {len(buyers)} buyers, unique keys)",
                        "/api/v1/admin/operations", owner, method="POST", body_lua=purchase,
                        buyers=buyers, keyed=True, target="≥ 3,000/s, p99 ≤ 25 ms"))
        rows.append(campaign_launch(server, owner, consenting))
        _, hwm = server.status()
    finally:
        server.stop()

    log(f"adding {EXPORT_EMPLOYEES} employees with an accrual each to the run copy")
    add_employees_and_accruals(RUN_DB, EXPORT_EMPLOYEES)
    server = Server(RUN_DB)
    try:
        rows.append(export_csv(server, owner, f"+{EXPORT_EMPLOYEES:,} employees"))
    finally:
        server.stop()
    if not os.environ.get("BENCH_KEEP"):
        remove_db(RUN_DB)

    crit = criterion()
    text = table(rows, startup, crit, started_machine)
    text += f"\n\nServer VmHWM (peak resident set over the whole load run): {hwm:.0f} MB.\n"
    print(text)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(text)
    log(f"written to {os.path.join(OUT, 'results.md')}")


if __name__ == "__main__":
    main()
