"""Several HTTP worker processes on one port, each with its own listening socket (SO_REUSEPORT).

uvicorn's own `workers=N` shares one socket, and the kernel then hands most connections of a
busy client to whichever process accepted last; with one socket per process and SO_REUSEPORT,
the kernel spreads connections over the processes evenly. Each worker builds its app with
`api.app.app_from_env`, so all of them load the same persisted store.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import socket
from multiprocessing.connection import wait
from types import FrameType

APP = "api.app:app_from_env"


def _listen(host: str, port: int, *, share: bool = True) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    import uvicorn

    sock = _listen(host, port)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Serve with `workers` processes until interrupted; falls back to uvicorn's workers where
    the system has no SO_REUSEPORT."""
    if not hasattr(socket, "SO_REUSEPORT"):  # pragma: no cover - not on Linux or macOS
        import uvicorn

        uvicorn.run(APP, factory=True, workers=workers, host=host, port=port, log_level=log_level, access_log=False)
        return
    # a plain bind fails if anything, another sharing server included, holds the port
    _listen(host, port, share=False).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port, log_level)) for _ in range(workers)]
    for p in procs:
        p.start()

    def stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        wait([p.sentinel for p in procs])  # one worker ending ends the service
        stop()
        for p in procs:
            p.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if any(p.exitcode not in (0, -signal.SIGTERM) for p in procs):
        raise SystemExit(1)
