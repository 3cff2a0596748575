"""What the cluster must show after the load: each check returns its figures and a verdict."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pyotp

from scripts.cluster.load import Outcome
from scripts.cluster.parts import Cluster, Database
from server.publishing.schedule import latest_due_week
from server.weeks import iso_week, previous_weeks, week_end

MAPS = ("window-1", "window-4", "window-12", "weekly")
FULL_WINDOW_WEEKS = 12  # a first publish releases the last 12 due weeks, empty or not


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def fresh_address() -> str:
    """A loopback address of this run's own, so counters kept per address start at zero."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"  # noqa: S311  (no secret)


def client_from(address: str, base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, timeout=60, transport=httpx.HTTPTransport(local_address=address)
    )


# Intake ------------------------------------------------------------------------------------


def stored_once(db: Database, outcome: Outcome) -> tuple[Check, dict[str, int]]:
    stored = dict(db.rows("SELECT district, count(*) FROM reports GROUP BY district"))
    acked = outcome.acknowledged
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    lost = sorted(d for d in acked if stored.get(d, 0) == 0)
    unknown = sorted(d for d in stored if d not in outcome.sent)
    figures = {
        "sent": len(outcome.sent),
        "acknowledged": len(acked),
        "stored": sum(stored.values()),
        "duplicated": duplicated,
        "lost": len(lost),
        "stored_unacknowledged": sum(1 for d in stored if d not in acked and d in outcome.sent),
    }
    ok = not lost and duplicated == 0 and not unknown and len(acked) > 0
    detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(outcome.tally().items()))
    detail += f" (answers {answers})"
    if lost:
        detail += f"; lost: {', '.join(lost[:10])}"
    if unknown:
        detail += f"; stored but never sent: {', '.join(unknown[:10])}"
    return Check("every acknowledged report stored exactly once", ok, detail), figures


# Releases ----------------------------------------------------------------------------------


def expected_weeks(outcome: Outcome, as_of: date, delay_days: int = 3) -> set[str]:
    latest = latest_due_week(as_of=as_of, delay_days=delay_days)
    weeks = set(previous_weeks(latest, FULL_WINDOW_WEEKS))
    weeks |= {iso_week(day) for day in outcome.sent.values() if day <= week_end(latest)}
    return weeks


def one_release_per_week(db: Database, expected: set[str], publishers: list[str]) -> Check:
    counts = dict(db.rows("SELECT week, count(*) FROM releases GROUP BY week"))
    twice = sorted(w for w, n in counts.items() if n != 1)
    missing = sorted(expected - set(counts))
    extra = sorted(set(counts) - expected)
    per_week = sorted(set(counts.values()))
    detail = (
        f"{len(counts)} week(s) released, {sum(counts.values())} release row(s), "
        f"releases per week: {per_week or [0]}; publishers: {'; '.join(publishers)}"
    )
    if missing:
        detail += f"; not released: {', '.join(missing)}"
    if extra:
        detail += f"; released but not due: {', '.join(extra)}"
    ok = not twice and not missing and not extra and all("exit 0" in p for p in publishers)
    return Check("exactly one release per week, two publishers at once", ok, detail)


# Maps --------------------------------------------------------------------------------------


def log_in(client: httpx.Client, username: str, password: str, code: str) -> httpx.Response:
    page = client.get("/login")
    match = re.search(r'name="login_token" value="([^"]+)"', page.text)
    token = match.group(1) if match else ""
    return client.post(
        "/login",
        data={"username": username, "password": password, "code": code, "login_token": token},
    )


def same_maps(cluster: Cluster, username: str, password: str, totp_secret: str) -> list[Check]:
    address = fresh_address()
    digests: dict[str, list[str]] = {name: [] for name in MAPS}
    problems = []
    # One login: the session lives in the database, so every replica knows it; the code it
    # took opens no second login on another replica (the store is shared through Redis).
    code = pyotp.TOTP(totp_secret).now()
    with client_from(address, cluster.replica_url(0)) as first:
        response = log_in(first, username, password, code)
        cookies = dict(first.cookies)
    if response.status_code != 303:
        problems.append(f"replica 0: login answered {response.status_code}")
    replays = []
    for index in range(1, cluster.replicas):
        with client_from(address, cluster.replica_url(index)) as other:
            replays.append(log_in(other, username, password, code).status_code)
    once = Check(
        "a TOTP code opens one login, on any replica",
        response.status_code == 303 and all(status == 401 for status in replays),
        f"replica 0: {response.status_code}; the same code again on the others: "
        + " ".join(str(status) for status in replays),
    )
    for index in range(cluster.replicas):
        with client_from(address, cluster.replica_url(index)) as client:
            client.cookies.update(cookies)
            for name in MAPS:
                page = client.get(f"/organise/map/{name}")
                if page.status_code != 200:
                    problems.append(f"replica {index} {name}: {page.status_code}")
                    digests[name].append(f"status {page.status_code}")
                else:
                    digests[name].append(hashlib.sha256(page.content).hexdigest()[:12])
    differ = [name for name, seen in digests.items() if len(set(seen)) != 1]
    detail = "; ".join(f"{name}: {' '.join(seen)}" for name, seen in digests.items())
    if differ:
        problems.append(f"different bytes for {', '.join(differ)}")
    ok = not problems
    return [
        once,
        Check(
            "the same map bytes from every replica",
            ok,
            detail + ("; " + "; ".join(problems) if problems else ""),
        ),
    ]


# Login throttle ----------------------------------------------------------------------------


def _attempts(cluster: Cluster, usernames: list[str]) -> list[int]:
    """One wrong login per username, round-robin over the replicas, all from one address."""
    address = fresh_address()
    clients = [client_from(address, cluster.replica_url(i)) for i in range(cluster.replicas)]
    try:
        return [
            log_in(clients[n % len(clients)], name, "not the password", "000000").status_code
            for n, name in enumerate(usernames)
        ]
    finally:
        for client in clients:
            client.close()


def throttle_shared(cluster: Cluster, username: str) -> list[Check]:
    checks = []
    limit = cluster.login_per_username
    # A name no earlier check has tried (the maps check's refused replays count against the
    # admin's): every attempt is counted before the account is even looked up.
    tag = random.randint(0, 10**6)  # noqa: S311  (a name, no secret)
    statuses = _attempts(cluster, [f"{username}-{tag}"] * (limit + cluster.replicas))
    expected = [401] * limit + [429] * cluster.replicas
    checks.append(
        Check(
            f"login throttle per username shared (limit {limit} in total)",
            statuses == expected,
            f"wrong passwords round-robin over {cluster.replicas} replicas answered "
            f"{' '.join(map(str, statuses))}; expected {' '.join(map(str, expected))}",
        )
    )
    limit = cluster.login_per_address
    names = [f"nobody-{tag}-{n}" for n in range(limit + cluster.replicas)]
    statuses = _attempts(cluster, names)
    expected = [401] * limit + [429] * cluster.replicas
    checks.append(
        Check(
            f"login throttle per address shared (limit {limit} in total)",
            statuses == expected,
            f"wrong logins from one address, each for another username, answered "
            f"{' '.join(map(str, statuses))}; expected {' '.join(map(str, expected))}",
        )
    )
    return checks


# The proxy ---------------------------------------------------------------------------------


def canaries() -> dict[str, str]:
    """Headers a member's browser or a misconfigured proxy would send, each a unique value."""
    tag = f"{random.randint(0, 16**8):08x}"  # noqa: S311  (a canary, no secret)
    address = f"198.51.100.{random.randint(1, 254)}"  # noqa: S311  (a documentation address)
    return {
        "User-Agent": f"CanaryBrowser/{tag}",
        "X-Forwarded-For": address,
        "X-Real-IP": address,
        "Forwarded": f"for={address}",
        "Referer": f"https://canary-{tag}.example/",
        "Accept-Language": f"x-canary-{tag}",
        "Sec-CH-UA": f'"Canary";v="{tag}"',
    }


def nothing_kept(folder: Path, secrets: list[str]) -> Check:
    """After the run: no access log, nothing spooled by nginx, and none of the canaries or
    the member token in any process's output (the replicas', the commands', nginx's)."""
    problems = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name == "nginx.conf":
            continue
        if path.parent.name.endswith("_temp") or path.name.startswith("access"):
            problems.append(f"{path.relative_to(folder)} was written")
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found = [value for value in secrets if value in text]
        if found:
            problems.append(f"{path.relative_to(folder)} holds {', '.join(found)}")
    return Check(
        "no access log, nothing spooled, no client header or token in any output",
        not problems,
        "; ".join(problems)
        or f"{sum(1 for p in folder.rglob('*.log'))} output files searched for "
        f"{len(secrets)} canaries and the member token",
    )


def proxy_headers(cluster: Cluster, member_path: str) -> Check:
    problems = []
    with httpx.Client(base_url=cluster.proxy_url, timeout=30) as client:
        page = client.get(member_path, headers={"Accept-Language": "ar"})
        if 'lang="ar"' not in page.text:
            problems.append("Accept-Language: ar did not give the Arabic form")
        page = client.get(f"{member_path}?lang=ar", headers={"Accept-Language": "pl"})
        if 'lang="ar"' not in page.text:
            problems.append("?lang=ar did not give the Arabic form (over Accept-Language: pl)")
        page = client.get(member_path, headers={"Accept-Encoding": "gzip"})
        if page.headers.get("content-encoding"):
            problems.append("a member page was compressed (BREACH: it carries a form token)")
        css = client.get("/static/member.css", headers={"Accept-Encoding": "gzip"})
        if css.status_code != 200 or css.headers.get("content-encoding") != "gzip":
            problems.append(f"/static/member.css not gzipped ({css.status_code})")
    return Check(
        "proxy: Accept-Language picks, ?lang= wins, only static assets gzipped",
        not problems,
        "; ".join(problems)
        or "member form in Arabic for Accept-Language: ar, and for ?lang=ar over "
        "Accept-Language: pl; member.css gzipped, member page not",
    )
