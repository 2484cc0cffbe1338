"""A small load generator for SPARQL endpoints on this machine: N keep-alive clients send
queries for T seconds and we report latency percentiles and errors.

Used by ``tests/studio/test_server_load.py`` (a short bounded run) and by the benchmark,
which points it at ``kgstudio serve`` and at a plain ``oxigraph serve`` of the same data,
so both are measured by the same client.

Each client is a thread holding one HTTP/1.1 keep-alive connection (``http.client``); it
sends ``GET <url>?query=...`` with ``Accept: application/sparql-results+json`` (cycling
through ``queries``, each client starting at a different one), reads the whole response
and records the time from sending to the last byte. A response that is not 2xx, or a
connection error, counts as an error (the client then reconnects). With ``processes`` > 1
the clients are split over that many worker processes, so that the client's own GIL does
not inflate the latencies it measures.

Safety bounds: only loopback addresses (127.0.0.0/8, ::1, localhost), at most
:data:`MAX_CLIENTS` clients and :data:`MAX_SECONDS` seconds per run. It is a measuring
tool for one's own servers, not a stress tool for other people's.

Limitations: the client shares the CPU with the server when both run here, which adds to
what it measures (report the machine with the numbers); latencies of requests still in
flight when the time is up are counted once they finish (each client stops after its
current request).
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlencode, urlsplit

__all__ = ["run_load", "percentile", "MAX_CLIENTS", "MAX_SECONDS"]

MAX_CLIENTS = 256
MAX_SECONDS = 300.0
_ERROR_SAMPLES = 5


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (``nan`` when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def _check_target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"run_load needs an http:// URL, got {url!r}")
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise ValueError(f"cannot resolve {host!r}: {e}") from e
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%", 1)[0]).is_loopback:
            raise ValueError(f"run_load only loads servers on this machine (loopback addresses); "
                             f"{host} is {info[4][0]}")
    return host, parts.port or 80, parts.path or "/"


def _client(host, port, path, queries, offset, deadline, accept, timeout_s, latencies, errors,
            samples, lock, start):
    encoded = [f"{path}?{urlencode({'query': q})}" for q in queries]
    headers = {"Accept": accept}
    conn = None
    i = offset
    mine: list[float] = []
    my_errors = 0
    my_samples: list[str] = []
    start.wait()
    while time.monotonic() < deadline:
        target = encoded[i % len(encoded)]
        i += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if 200 <= resp.status < 300:
                mine.append(elapsed)
            else:
                my_errors += 1
                if len(my_samples) < _ERROR_SAMPLES:
                    my_samples.append(f"HTTP {resp.status}: {body[:200].decode('utf-8', 'replace')}")
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            my_errors += 1
            if len(my_samples) < _ERROR_SAMPLES:
                my_samples.append(f"{type(e).__name__}: {e}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()
    with lock:
        latencies.extend(mine)
        errors[0] += my_errors
        samples.extend(my_samples[: max(0, _ERROR_SAMPLES - len(samples))])


def _run_threads(url, queries, clients, seconds, accept, timeout_s, first_offset, start_at=None):
    host, port, path = _check_target(url)
    latencies: list[float] = []
    errors = [0]
    samples: list[str] = []
    lock = threading.Lock()
    start = threading.Event()
    if start_at is not None:  # line up with the other worker processes
        time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, daemon=True,
                                args=(host, port, path, queries, first_offset + c, deadline, accept,
                                      timeout_s, latencies, errors, samples, lock, start))
               for c in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    start.set()
    for t in threads:
        t.join(seconds + timeout_s + 5)
    wall = time.perf_counter() - t0
    return latencies, errors[0], samples, wall


def run_load(url: str, queries: list[str], clients: int, seconds: float, *,
             accept: str = "application/sparql-results+json", timeout_s: float = 30.0,
             processes: int = 1) -> dict:
    """Load ``url`` (a SPARQL query endpoint on this machine) with ``clients`` concurrent
    keep-alive clients for ``seconds``; returns ``{"p50_ms", "p95_ms", "p99_ms", "max_ms",
    "mean_ms", "errors", "requests", "requests_per_s", "clients", "seconds",
    "error_samples"}``. ``requests`` counts the successful ones."""
    if not queries:
        raise ValueError("run_load needs at least one query")
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be in (0, {MAX_SECONDS:g}]")
    _check_target(url)
    processes = max(1, min(processes, clients))
    if processes == 1:
        latencies, errors, samples, wall = _run_threads(url, queries, clients, seconds, accept,
                                                        timeout_s, 0)
    else:
        share = [clients // processes + (1 if p < clients % processes else 0) for p in range(processes)]
        start_at = time.time() + 1.0  # time for the workers to start
        with ProcessPoolExecutor(processes) as pool:
            futures = [pool.submit(_run_threads, url, queries, n, seconds, accept, timeout_s,
                                   sum(share[:p]), start_at) for p, n in enumerate(share)]
            parts = [f.result() for f in futures]
        latencies = [x for part in parts for x in part[0]]
        errors = sum(part[1] for part in parts)
        samples = [s for part in parts for s in part[2]][:_ERROR_SAMPLES]
        wall = max(part[3] for part in parts)
    latencies.sort()
    return {
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "max_ms": round(latencies[-1], 3) if latencies else float("nan"),
        "mean_ms": round(sum(latencies) / len(latencies), 3) if latencies else float("nan"),
        "errors": errors,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 1) if wall > 0 else 0.0,
        "clients": clients,
        "seconds": seconds,
        "error_samples": samples,
    }
