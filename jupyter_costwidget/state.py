"""What the server extension keeps for its lifetime, shared by all handlers."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from jupyter_costwidget.aws.clients import AwsClients
from jupyter_costwidget.config import CostWidget

if TYPE_CHECKING:
    from jupyter_costwidget.billing.service import BillingService
    from jupyter_costwidget.idle.monitor import IdleMonitor
    from jupyter_costwidget.spend.engine import SpendEngine


class Service(Protocol):
    """A background part of the extension (spend refresher, idle monitor, ...)."""

    def start(self) -> Any: ...

    def stop(self) -> Any: ...


class CostWidgetState:
    """Config, the AWS client factory, the worker pool for blocking calls, and the services."""

    def __init__(
        self,
        config: CostWidget,
        log: logging.Logger,
        server_app: Any = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        # Every time decision of the services reads these two (tests drive them).
        self.clock = clock  # wall time, seconds since the epoch
        self.monotonic = monotonic  # intervals
        self.log = log
        self.server_app = server_app
        # boto3 is blocking: every AWS call runs in this pool, never on the event loop.
        self.executor = ThreadPoolExecutor(
            max_workers=max(2, config.aws_max_workers), thread_name_prefix="costwidget-aws"
        )
        self.services: dict[str, Service] = {}
        # The services, set by their module's setup() when the extension loads.
        self.spend: SpendEngine | None = None
        self.idle: IdleMonitor | None = None
        self.billing: BillingService | None = None
        self._aws: AwsClients | None = None
        self._other_aws: dict[str, AwsClients] = {}
        self._region_override: str | None = None

    @property
    def aws(self) -> AwsClients:
        """Clients for the configured region (the spend engine may set the detected one)."""
        if self._aws is None:
            self._aws = AwsClients(
                region=self._region_override or self.config.region or None,
                endpoint_url=self.config.endpoint_url or None,
                max_attempts=self.config.aws_max_attempts,
                max_pool_connections=max(10, self.config.aws_max_workers * 2),
            )
        return self._aws

    def aws_in(self, region: str) -> AwsClients:
        """Clients for another region of the account (its scans), made once per region."""
        clients = self._other_aws.get(region)
        if clients is None:
            clients = self._other_aws[region] = AwsClients(
                region=region,
                endpoint_url=self.config.endpoint_url or None,
                max_attempts=self.config.aws_max_attempts,
                max_pool_connections=max(10, self.config.aws_max_workers * 2),
            )
        return clients

    def use_region(self, region: str) -> None:
        """Point AWS clients at `region` (found from the metadata file)."""
        if region and region != (self._aws.region if self._aws else None):
            self._region_override = region
            self._aws = None

    async def run_blocking(self, func: Any, *args: Any) -> Any:
        """Run a blocking function (boto3, file I/O) in the worker pool."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    def add_service(self, name: str, service: Service) -> None:
        self.services[name] = service

    async def start(self) -> None:
        for name, service in self.services.items():
            try:
                result = service.start()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # one broken service must not take the others down
                self.log.exception("costwidget: could not start %s", name)

    async def stop(self) -> None:
        for name, service in reversed(list(self.services.items())):
            try:
                result = service.stop()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                self.log.exception("costwidget: could not stop %s", name)
        self.executor.shutdown(wait=False, cancel_futures=True)
