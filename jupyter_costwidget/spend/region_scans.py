"""Scans of the account's other regions (c.CostWidget.regions): one inventory per region,
each scanned at most every `other_regions_refresh_seconds`, in the spend engine's worker
thread. Between scans the last answer is re-priced, so cost so far keeps growing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jupyter_costwidget.aws.clients import AwsClients
from jupyter_costwidget.aws.inventory import Inventory, ScanResult
from jupyter_costwidget.aws.ownership import Home


@dataclass
class RegionScan:
    inventory: Inventory
    scanned_at: float | None = None
    result: ScanResult | None = None


class RegionScans:
    def __init__(
        self,
        aws_in: Callable[[str], AwsClients],
        make_inventory: Callable[[Callable[[], AwsClients]], Inventory],
        interval: Callable[[], float],
        monotonic: Callable[[], float],
    ) -> None:
        self._aws_in = aws_in
        self._make_inventory = make_inventory
        self._interval = interval
        self._monotonic = monotonic
        self._regions: dict[str, RegionScan] = {}
        self.calls = 0  # AWS calls made by every other-region scan so far (the bench reads it)

    def scan_due(self, regions: list[str], account: str | None) -> dict[str, ScanResult]:
        """The latest scan of each of `regions`, scanning those not scanned for an interval.
        Regions no longer wanted are forgotten (their inventories closed)."""
        for region in set(self._regions) - set(regions):
            self._regions.pop(region).inventory.close()
        now = self._monotonic()
        out: dict[str, ScanResult] = {}
        for region in regions:
            scan = self._regions.get(region)
            if scan is None:
                inventory = self._make_inventory(lambda region=region: self._aws_in(region))
                scan = self._regions[region] = RegionScan(inventory)
            if scan.scanned_at is None or now - scan.scanned_at >= self._interval():
                home = Home(account, region) if account else None
                scan.result = scan.inventory.scan(home)
                scan.scanned_at = now
                self.calls += scan.result.calls
            if scan.result is not None:
                out[region] = scan.result
        return out

    def close(self) -> None:
        for scan in self._regions.values():
            scan.inventory.close()
        self._regions.clear()
