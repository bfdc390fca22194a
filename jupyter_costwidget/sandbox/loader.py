"""Put a validated scenario into moto's backends and the Studio backend.

moto holds what it models (domains, EFS, endpoints and their configs, jobs, notebook
instances, CloudWatch datapoints); `StudioBackend` holds user profiles, spaces and apps.
Objects are created through moto's backend methods, then their clocks and statuses are set
from the scenario (moto would otherwise complete jobs at once and date everything "now").
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.efs.models import efs_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.sagemaker.models import sagemaker_backends

from . import arns
from .managed import ManagedServices
from .studio import StudioBackend

GIB = 1024**3
IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/sandbox:latest"
# moto validates instance types and serverless sizes on create; the scenario may use any
# (an unknown type is a test case), so objects are created with these and then corrected.
PLACEHOLDER_INSTANCE = "ml.m5.large"
PLACEHOLDER_NOTEBOOK_INSTANCE = "ml.t2.medium"


def reset_moto() -> None:
    """Empty every moto backend (what POST /moto-api/reset does)."""
    moto_api_backend.reset()


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/service-role/AmazonSageMaker-ExecutionRole-sandbox"


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    # SageMaker writes the ARNs of its own owner tags (sagemaker:*-arn) in lower case.
    return [
        {"Key": k, "Value": v.lower() if k.startswith("sagemaker:") and k.endswith("-arn") else v}
        for k, v in tags.items()
    ]


def _naive(dt: datetime) -> datetime:
    # moto stores naive UTC datetimes (its utcnow()).
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def apply(scenario: dict[str, Any], studio: StudioBackend, managed: ManagedServices) -> None:
    """Load one region of `scenario` (already validated by `parse_scenario`) into empty
    backends: moto's for `scenario["region"]`, that region's `studio`, and `managed`."""
    region, account = scenario["region"], scenario["account"]
    now = datetime.now(timezone.utc)

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    sm = sagemaker_backends[account][region]
    efs = efs_backends[account][region]
    cw = cloudwatch_backends[account][region]
    studio.region, studio.account = region, account
    studio.app_delete_seconds = float(scenario["app_delete_seconds"])

    def file_system(token: str, size_gb: float, owner_arn: str, created: datetime) -> str:
        fs = efs.create_file_system(
            creation_token=token,
            performance_mode="generalPurpose",
            encrypted=True,
            kms_key_id=None,
            throughput_mode="bursting",
            provisioned_throughput_in_mibps=None,
            availability_zone_name=None,
            backup=False,
            tags=[{"Key": "ManagedByAmazonSageMakerResource", "Value": owner_arn}],
        )
        fs._size_value = int(size_gb * GIB)
        fs.creation_time = created.timestamp()
        return fs.file_system_id

    for d in scenario["domains"]:
        created = ago(d["age_s"])
        d_arn = arns.domain_arn(region, account, d["id"])
        efs_id = file_system(f"{d['id']}-home", d["efs_gb"], d_arn, created)
        sm.create_domain(
            domain_name=d["name"],
            auth_mode="IAM",
            default_user_settings={"ExecutionRole": role_arn(account)},
            subnet_ids=["subnet-0sandbox0000000001"],
            vpc_id="vpc-0sandbox000000001",
            domain_settings=None,
            tags=[],
            app_network_access_type="PublicInternetOnly",
            home_efs_file_system_kms_key_id=None,
            kms_key_id=None,
            app_security_group_management=None,
            default_space_settings=None,
        )
        domain = sm.domains.pop(f"d-{d['name']}")
        domain.id = d["id"]
        domain.arn = d_arn
        domain.home_efs_file_system_id = efs_id
        domain.url = f"https://{d['id']}.studio.{region}.sagemaker.aws"
        domain.creation_time = domain.last_modified_time = _naive(created)
        sm.domains[d["id"]] = domain
        for user in d["user_profiles"]:
            studio.add_user_profile(d["id"], user, created)
        for space in d["spaces"]:
            studio.add_space(
                d["id"],
                space["name"],
                space.get("owner"),
                space["ebs_gb"],
                created=ago(space["age_s"]),
            )
        for app in d["apps"]:
            studio.add_app(
                d["id"],
                app["type"],
                app["name"],
                space=app.get("space"),
                user=app.get("user"),
                instance=app.get("instance"),
                status=app["status"],
                created=ago(app["age_s"]),
            )

    for orphan in scenario["deleted_domain_efs"]:
        file_system(
            f"{orphan['domain_id']}-home",
            orphan["efs_gb"],
            arns.domain_arn(region, account, orphan["domain_id"]),
            ago(90 * 86400),
        )

    for e in scenario["endpoints"]:
        _endpoint(sm, cw, e, region, account, ago(e["age_s"]), now)
    for j in scenario["training_jobs"]:
        _training_job(sm, j, region, account, ago(j["age_s"]))
    for j in scenario["processing_jobs"]:
        _processing_job(sm, j, region, account, ago(j["age_s"]))
    for j in scenario["transform_jobs"]:
        _transform_job(sm, j, region, account, ago(j["age_s"]))
    for nb in scenario["notebook_instances"]:
        instance = sm.create_notebook_instance(
            notebook_instance_name=nb["name"],
            instance_type=PLACEHOLDER_NOTEBOOK_INSTANCE,
            role_arn=role_arn(account),
            volume_size_in_gb=nb["volume_gb"],
            tags=_tags(nb["tags"]),
        )
        instance.instance_type = nb["instance"]
        instance.status = nb["status"]
        instance.creation_time = instance.last_modified_time = _naive(ago(nb["age_s"]))
    for server in scenario["mlflow_tracking_servers"]:
        managed.add_tracking_server(region, account, server, ago(server["age_s"]))
    for cluster in scenario["hyperpod_clusters"]:
        managed.add_cluster(region, account, cluster, ago(cluster["age_s"]))
    for partner in scenario["partner_apps"]:
        managed.add_partner_app(region, account, partner, ago(partner["age_s"]))


def _model(sm: Any, name: str, region: str, account: str) -> str:
    sm.create_model(
        model_name=name,
        execution_role_arn=role_arn(account),
        primary_container={"Image": IMAGE.format(region=region)},
        vpc_config=None,
        containers=None,
        tags=[],
    )
    return name


def _endpoint(
    sm: Any, cw: Any, e: dict[str, Any], region: str, account: str, created: datetime, now: datetime
) -> None:
    model = _model(sm, f"{e['name']}-model", region, account)
    variants = []
    for v in e["variants"]:
        if "serverless" in v:
            variants.append(
                {
                    "VariantName": v["name"],
                    "ModelName": model,
                    "ServerlessConfig": {
                        "MemorySizeInMB": v["serverless"]["memory_mb"],
                        "MaxConcurrency": v["serverless"]["max_concurrency"],
                    },
                }
            )
        elif "pools" in v:
            # botocore: ProductionVariant.InstancePools (InstancePool: InstanceType, Priority)
            # in place of InstanceType.
            variant = {
                "VariantName": v["name"],
                "ModelName": model,
                "InstancePools": [
                    {"InstanceType": p["instance"], "Priority": i + 1}
                    for i, p in enumerate(v["pools"])
                ],
                "InitialVariantWeight": 1.0,
            }
            if "volume_gb" in v:
                variant["VolumeSizeInGB"] = v["volume_gb"]
            variants.append(variant)
        else:
            variant = {
                "VariantName": v["name"],
                "ModelName": model,
                "InstanceType": v["instance"],
                "InitialInstanceCount": v["count"],
                "InitialVariantWeight": 1.0,
            }
            if "volume_gb" in v:
                variant["VolumeSizeInGB"] = v["volume_gb"]
            variants.append(variant)
    placeholders = [
        {"VariantName": v["VariantName"], "ModelName": model, "InstanceType": PLACEHOLDER_INSTANCE}
        for v in variants
    ]
    config = sm.create_endpoint_config(
        endpoint_config_name=f"{e['name']}-config",
        production_variants=placeholders,
        data_capture_config=None,
        async_inference_config=None,
        tags=[],
        kms_key_id=None,
    )
    config.production_variants = variants
    config.creation_time = _naive(created)
    if e["async"]:
        config.async_inference_config = {
            "OutputConfig": {"S3OutputPath": f"s3://sagemaker-{region}-{account}/{e['name']}/out"}
        }
    endpoint = sm.create_endpoint(
        endpoint_name=e["name"],
        endpoint_config_name=config.endpoint_config_name,
        tags=_tags(e["tags"]),
    )
    endpoint.production_variants = endpoint._process_production_variants(placeholders)
    for summary, v in zip(endpoint.production_variants, e["variants"], strict=True):
        if "serverless" in v:
            summary.pop("CurrentInstanceCount", None)
            summary.pop("DesiredInstanceCount", None)
            summary["CurrentServerlessConfig"] = summary["DesiredServerlessConfig"] = {
                "MemorySizeInMB": v["serverless"]["memory_mb"],
                "MaxConcurrency": v["serverless"]["max_concurrency"],
            }
        elif "pools" in v:
            # botocore: ProductionVariantSummary.InstancePools (InstancePoolSummary).
            summary["InstancePools"] = [
                {"InstanceType": p["instance"], "CurrentInstanceCount": p["count"]}
                for p in v["pools"]
            ]
            total = sum(p["count"] for p in v["pools"])
            summary["CurrentInstanceCount"] = summary["DesiredInstanceCount"] = total
        else:  # moto drops a count of 0
            summary["CurrentInstanceCount"] = summary["DesiredInstanceCount"] = v["count"]
    endpoint.endpoint_status = e["status"]
    endpoint.creation_time = endpoint.last_modified_time = _naive(created)
    _invocations(cw, e, now)


def _invocations(cw: Any, e: dict[str, Any], now: datetime) -> None:
    """Hourly `Invocations` datapoints per variant over the last 24 h (zeros when idle)."""
    variants = [v["name"] for v in e["variants"]]
    total = e["invocations_24h"]
    per_variant = [total // len(variants)] * len(variants)
    per_variant[0] += total - sum(per_variant)
    data = []
    for name, count in zip(variants, per_variant, strict=True):
        per_hour = [count // 24] * 24
        for i in range(count - sum(per_hour)):
            per_hour[i] += 1
        for hour, value in enumerate(per_hour):
            data.append(
                {
                    "MetricName": "Invocations",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": e["name"]},
                        {"Name": "VariantName", "Value": name},
                    ],
                    "Timestamp": _naive(now - timedelta(hours=hour, minutes=30)),
                    "Value": float(value),
                    "Unit": "None",
                }
            )
    cw.put_metric_data("AWS/SageMaker", data)


def _cluster(j: dict[str, Any]) -> dict[str, Any]:
    """ResourceConfig / ProcessingClusterConfig of a job. Flexible instance types (botocore:
    InstancePreferences, then SelectedInstanceType and SelectedInstanceCount once SageMaker
    chose) replace InstanceType and InstanceCount."""
    if "preferences" not in j:
        return {
            "InstanceType": j["instance"],
            "InstanceCount": j["count"],
            "VolumeSizeInGB": j["volume_gb"],
        }
    cluster: dict[str, Any] = {
        "InstancePreferences": [
            {"InstanceType": t, "InstanceCount": j["count"]} for t in j["preferences"]
        ],
        "VolumeSizeInGB": j["volume_gb"],
    }
    if "selected" in j:
        cluster["SelectedInstanceType"] = j["selected"]["instance"]
        cluster["SelectedInstanceCount"] = j["selected"]["count"]
    return cluster


def _set_job_clock(
    job: Any, j: dict[str, Any], created: datetime, start_attr: str, end_attr: str
) -> None:
    job.creation_time = job.last_modified_time = _naive(created)
    setattr(job, start_attr, _naive(created + timedelta(seconds=min(60, j["age_s"]))))
    if j["status"] in ("InProgress", "Stopping"):
        setattr(job, end_attr, None)


def _training_job(sm: Any, j: dict[str, Any], region: str, account: str, created: datetime) -> None:
    job = sm.create_training_job(
        training_job_name=j["name"],
        hyper_parameters={},
        algorithm_specification={
            "TrainingImage": IMAGE.format(region=region),
            "TrainingInputMode": "File",
        },
        role_arn=role_arn(account),
        input_data_config=[],
        output_data_config={
            "S3OutputPath": f"s3://sagemaker-{region}-{account}/{j['name']}/output"
        },
        resource_config=_cluster(j),
        vpc_config=None,
        stopping_condition={"MaxRuntimeInSeconds": 86400},
        tags=_tags(j["tags"]),
        enable_network_isolation=False,
        enable_inter_container_traffic_encryption=False,
        enable_managed_spot_training=j["spot"],
        checkpoint_config=None,
        debug_hook_config=None,
        debug_rule_configurations=None,
        tensor_board_output_config=None,
        experiment_config=None,
    )
    job.training_job_status = j["status"]
    job.secondary_status = {"InProgress": "Training"}.get(j["status"], j["status"])
    _set_job_clock(job, j, created, "training_start_time", "training_end_time")
    if "warm_pool" in j:
        # The job ended `age` ago and kept its instances (sandbox/warm_pools.py serves it).
        warm = j["warm_pool"]
        ended = datetime.now(timezone.utc) - timedelta(seconds=warm["age_s"])
        job.training_end_time = job.last_modified_time = _naive(ended)
        job.warm_pool = {"Status": warm["status"]}
        job.keep_alive_seconds = int(warm["keep_alive_s"])
    if j["status"] == "InProgress":
        job.final_metric_data_list = []
        job.secondary_status_transitions = [
            {
                "Status": "Starting",
                "StartTime": _naive(created),
                "StatusMessage": "Preparing the instances for training",
            },
        ]


def _processing_job(
    sm: Any, j: dict[str, Any], region: str, account: str, created: datetime
) -> None:
    job = sm.create_processing_job(
        app_specification={"ImageUri": IMAGE.format(region=region)},
        experiment_config=None,
        network_config=None,
        processing_inputs=[],
        processing_job_name=j["name"],
        processing_output_config=None,
        role_arn=role_arn(account),
        tags=_tags(j["tags"]),
        stopping_condition={"MaxRuntimeInSeconds": 86400},
    )
    # gen_response_object() turns this attribute into DescribeProcessingJob's ProcessingResources.
    job.processing_resources = {"ClusterConfig": _cluster(j)}
    job.processing_job_status = j["status"]
    _set_job_clock(job, j, created, "processing_start_time", "processing_end_time")


def _transform_job(
    sm: Any, j: dict[str, Any], region: str, account: str, created: datetime
) -> None:
    model = _model(sm, f"{j['name']}-model", region, account)
    job = sm.create_transform_job(
        transform_job_name=j["name"],
        model_name=model,
        max_concurrent_transforms=1,
        model_client_config=None,
        max_payload_in_mb=6,
        batch_strategy="MultiRecord",
        environment={},
        transform_input={
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://sagemaker-{region}-{account}/in",
                }
            }
        },
        transform_output={"S3OutputPath": f"s3://sagemaker-{region}-{account}/{j['name']}/out"},
        data_capture_config=None,
        transform_resources={"InstanceType": j["instance"], "InstanceCount": j["count"]},
        data_processing=None,
        tags=_tags(j["tags"]),
        experiment_config=None,
    )
    job.transform_job_status = j["status"]
    _set_job_clock(job, j, created, "transform_start_time", "transform_end_time")
