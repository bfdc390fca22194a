"""Asking a kernel directly whether it is free: a `kernel_info_request` on its shell channel.

jupyter_server learns a kernel's busy state from the status messages on its own IOPub
subscription. ZeroMQ drops what a kernel publishes before that subscription is joined, so a
cell sent right after a kernel starts can run with the server still reading "idle". A kernel
answers shell requests one at a time, so a kernel that does not answer `kernel_info` within a
few seconds is running something. jupyter_server does not count `kernel_info` messages as
activity (`untracked_message_types`), so asking does not move the idle clock.

The probe has its own session (its own socket identity): replies meant for JupyterLab's
connections never reach it, and its reply never reaches them. One request per kernel is out
at a time; a busy kernel is asked again only once it has answered.
"""

from __future__ import annotations

import asyncio
import queue
import uuid
from typing import Any

import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.session import Session

ALREADY_ASKED_WAIT = 0.05


class KernelProbe:
    """One kernel's outstanding `kernel_info_request`, if any."""

    def __init__(self, kernel: Any) -> None:
        self._kernel = kernel
        self._client: AsyncKernelClient | None = None
        self._msg_id: str | None = None

    @property
    def waiting(self) -> bool:
        """A request is out and not answered yet."""
        return self._msg_id is not None

    async def answers(self, timeout: float) -> bool | None:
        """True: the kernel answered within `timeout` s (or, asked before, has answered since);
        False: it did not (it is running something, or hung); None: it cannot be asked (a
        remote kernel without ZeroMQ ports)."""
        if self._msg_id is None:
            client = self._connect()
            if client is None:
                return None
            self._client = client
            self._msg_id = client.kernel_info()
        else:
            # Asked before and silent then: its answer, if any, is waiting already.
            timeout = min(timeout, ALREADY_ASKED_WAIT)
        assert self._client is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return False
            try:
                reply = await self._client.get_shell_msg(timeout=left)
            except queue.Empty:
                return False
            if reply.get("parent_header", {}).get("msg_id") == self._msg_id:
                self.close()
                return True

    def close(self) -> None:
        if self._client is not None:
            self._client.stop_channels()
        self._client = None
        self._msg_id = None

    def _connect(self) -> AsyncKernelClient | None:
        connection_info = getattr(self._kernel, "get_connection_info", None)
        if connection_info is None:
            return None
        try:
            info = connection_info(session=False)
        except (AttributeError, TypeError, KeyError):
            return None
        if not isinstance(info, dict) or not info.get("shell_port") or "key" not in info:
            return None
        session = Session(
            key=info["key"] if isinstance(info["key"], bytes) else info["key"].encode(),
            signature_scheme=info.get("signature_scheme", "hmac-sha256"),
            session=uuid.uuid4().hex,
            username="jupyter-costwidget",
        )
        client = AsyncKernelClient(session=session, context=zmq.asyncio.Context.instance())
        client.load_connection_info(info)
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        return client
