"""What each running thing bills, as usages (component, instance type, quantity), from
SageMaker's describe answers. Pure: no AWS calls, no prices."""

from __future__ import annotations

from typing import Any

from jupyter_costwidget.pricing import SYSTEM_KERNELGATEWAY_INSTANCE, component_for_app
from jupyter_costwidget.spend import resources as r


def app_usage(app_type: str, instance: str) -> r.Usage:
    if app_type == "JupyterServer":
        return r.Usage(
            None, instance, 1.0, r.COMPUTE, "The Studio Classic JupyterServer app is free."
        )
    component = component_for_app(app_type)
    if component is None:
        return r.Usage(f"App-{app_type}", instance, 1.0, r.COMPUTE)
    if app_type == "Canvas":
        return r.Usage(component, "", 1.0, r.COMPUTE)
    if app_type == "KernelGateway" and instance in ("", "system"):
        return r.Usage(component, SYSTEM_KERNELGATEWAY_INSTANCE, 1.0, r.COMPUTE)
    return r.Usage(component, instance, 1.0, r.COMPUTE)


def endpoint_usages(
    desc: dict[str, Any], config: dict[str, Any]
) -> tuple[list[r.Usage], list[dict[str, Any]]]:
    if not desc:
        return [], []
    configured = {v.get("VariantName"): v for v in config.get("ProductionVariants") or []}
    asynchronous = bool(config.get("AsyncInferenceConfig"))
    usages: list[r.Usage] = []
    variants: list[dict[str, Any]] = []
    for variant in desc.get("ProductionVariants") or []:
        vname = variant.get("VariantName")
        conf = configured.get(vname, {})
        serverless = variant.get("CurrentServerlessConfig") or conf.get("ServerlessConfig")
        if serverless:
            memory_gb = int(serverless.get("MemorySizeInMB", 0)) // 1024
            usages.append(r.Usage("ServerlessInf", f"Mem-{memory_gb}GB", 1.0, r.SERVERLESS))
            variants.append(
                {
                    "name": vname,
                    "serverless": {
                        "memory_mb": serverless.get("MemorySizeInMB"),
                        "max_concurrency": serverless.get("MaxConcurrency"),
                    },
                }
            )
            continue
        # Asynchronous inference bills its own component (botocore:
        # DescribeEndpointConfigOutput.AsyncInferenceConfig); Hosting where that is unpriced.
        component, fallback = ("AsyncInf", "Hosting") if asynchronous else ("Hosting", None)
        pools = variant.get("InstancePools") or []
        if pools:
            # Instance pools (botocore: ProductionVariantSummary.InstancePools, each an
            # InstancePoolSummary of InstanceType and CurrentInstanceCount): what runs.
            running = [
                (str(p.get("InstanceType") or ""), int(p.get("CurrentInstanceCount") or 0))
                for p in pools
            ]
        else:
            count = variant.get("CurrentInstanceCount")
            if count is None:
                count = variant.get("DesiredInstanceCount", conf.get("InitialInstanceCount", 0))
            running = [(conf.get("InstanceType") or "", int(count or 0))]
        for instance, count in running:
            usages.append(r.Usage(component, instance, float(count), r.COMPUTE, fallback=fallback))
        total = sum(count for _, count in running)
        volume = conf.get("VolumeSizeInGB")
        if volume and total:
            usages.append(r.Usage("Hosting-Storage", "", float(volume) * total, r.STORAGE))
        row: dict[str, Any] = {
            "name": vname,
            "instance_type": ", ".join(sorted({i for i, _ in running if i})) or None,
            "count": total,
            "volume_gb": volume,
        }
        if pools:
            row["pools"] = [{"instance_type": i, "count": c} for i, c in running]
        if asynchronous:
            row["async"] = True
        variants.append(row)
    return usages, variants


def job_usages(
    kind: str, desc: dict[str, Any] | None
) -> tuple[list[r.Usage], str | None, int | None, bool]:
    if not desc:
        return [], None, None, False
    if kind == "training":
        conf = desc.get("ResourceConfig") or {}
        component, storage = "Training", "Training-Storage"
        spot = bool(desc.get("EnableManagedSpotTraining"))
    elif kind == "processing":
        conf = (desc.get("ProcessingResources") or {}).get("ClusterConfig") or {}
        component, storage, spot = "Processing", "Processing-Storage", False
    else:
        conf = desc.get("TransformResources") or {}
        component, storage, spot = "BatchTransform", None, False
    groups = conf.get("InstanceGroups") or [conf]
    usages: list[r.Usage] = []
    total = 0
    types = []
    for group in groups:
        instance, count = billed_instances(group)
        total += count
        types.append(instance)
        note = "" if instance else "Instance type not selected yet: price unknown."
        usages.append(r.Usage(component, instance, float(count), r.COMPUTE, note=note))
    volume = conf.get("VolumeSizeInGB")
    if storage and volume and total:
        usages.append(r.Usage(storage, "", float(volume) * total, r.STORAGE))
    return usages, ", ".join(sorted(set(filter(None, types)))) or None, total, spot


def billed_instances(conf: dict[str, Any]) -> tuple[str, int]:
    """(instance type, count) a job's cluster bills. With flexible instance types
    (InstancePreferences) it is what SageMaker selected: botocore's ResourceConfig and
    ProcessingClusterConfig carry SelectedInstanceType and SelectedInstanceCount."""
    selected = conf.get("SelectedInstanceType")
    if selected:
        return str(selected), int(
            conf.get("SelectedInstanceCount") or conf.get("InstanceCount") or 0
        )
    return str(conf.get("InstanceType") or ""), int(conf.get("InstanceCount") or 0)
