"""SageMaker list prices: a bundled snapshot, a refreshable user cache and pure lookups."""

from jupyter_costwidget.pricing.catalog import (
    HOURS_PER_MONTH,
    KNOWN_COMPONENTS,
    SYSTEM_KERNELGATEWAY_INSTANCE,
    Price,
    PriceCatalog,
    UnknownComponent,
    UnknownRegion,
    component_for_app,
)

__all__ = [
    "HOURS_PER_MONTH",
    "KNOWN_COMPONENTS",
    "SYSTEM_KERNELGATEWAY_INSTANCE",
    "Price",
    "PriceCatalog",
    "UnknownComponent",
    "UnknownRegion",
    "component_for_app",
]
