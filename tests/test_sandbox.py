"""The AWS sandbox, seen the way the extension sees it: boto3 over HTTP."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import botocore.exceptions
import pytest

from jupyter_costwidget.sandbox import DEMO_SCENARIO, SandboxControlError
from jupyter_costwidget.sandbox.metadata import resource_metadata

DEMO = json.loads(DEMO_SCENARIO.read_text())
REGION, ACCOUNT = "ap-northeast-1", "123456789012"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-demo1/alice"
NO_RETRY = {"retries": {"mode": "standard", "total_max_attempts": 1}}


def _error_code(exc_info: pytest.ExceptionInfo) -> str:
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture
def demo(sandbox):
    sandbox.load(DEMO)
    return sandbox


# --- the scenario, as boto3 sees it ---------------------------------------------------------


def test_demo_studio_resources(demo):
    sm = demo.client("sagemaker")
    domains = sm.list_domains()["Domains"]
    assert [d["DomainId"] for d in domains] == ["d-demo1"]
    domain = sm.describe_domain(DomainId="d-demo1")
    assert domain["DomainArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/d-demo1"

    apps = sm.list_apps(DomainIdEquals="d-demo1", MaxResults=100)["Apps"]
    by_key = {
        (a.get("SpaceName") or a.get("UserProfileName"), a["AppType"], a["AppName"]): a
        for a in apps
    }
    assert (
        by_key[("alice-space", "JupyterLab", "default")]["ResourceSpec"]["InstanceType"]
        == "ml.g5.xlarge"
    )
    assert (
        by_key[("bob", "KernelGateway", "datascience-ml-m5-large")]["ResourceSpec"]["InstanceType"]
        == "ml.m5.large"
    )
    assert by_key[("bob", "Canvas", "default")]["Status"] == "InService"
    assert by_key[("bob-space", "JupyterLab", "default")]["Status"] == "Deleted"
    # `age` sets CreationTime: the JupyterLab app started 3 h before loading.
    age = (
        datetime.now(timezone.utc)
        - by_key[("alice-space", "JupyterLab", "default")]["CreationTime"]
    )
    assert timedelta(hours=3) <= age < timedelta(hours=3, minutes=5)

    app = sm.describe_app(
        DomainId="d-demo1", SpaceName="alice-space", AppType="JupyterLab", AppName="default"
    )
    assert (
        app["AppArn"]
        == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/d-demo1/alice-space/jupyterlab/default"
    )
    classic = sm.describe_app(
        DomainId="d-demo1",
        UserProfileName="bob",
        AppType="KernelGateway",
        AppName="datascience-ml-m5-large",
    )
    assert classic["AppArn"].endswith(":app/d-demo1/bob/kernelgateway/datascience-ml-m5-large")

    spaces = {s["SpaceName"]: s for s in sm.list_spaces(DomainIdEquals="d-demo1")["Spaces"]}
    ebs = spaces["alice-space"]["SpaceSettingsSummary"]["SpaceStorageSettings"][
        "EbsStorageSettings"
    ]
    assert ebs["EbsVolumeSizeInGb"] == 50
    assert spaces["alice-space"]["OwnershipSettingsSummary"]["OwnerUserProfileName"] == "alice"
    space = sm.describe_space(DomainId="d-demo1", SpaceName="alice-space")
    assert (
        space["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"]
        == 50
    )
    assert space["SpaceArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/d-demo1/alice-space"

    users = sm.list_user_profiles(DomainIdEquals="d-demo1")["UserProfiles"]
    assert sorted(u["UserProfileName"] for u in users) == ["alice", "bob"]
    alice = sm.describe_user_profile(DomainId="d-demo1", UserProfileName="alice")
    assert alice["UserProfileArn"] == ALICE_ARN

    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.describe_app(
            DomainId="d-demo1", SpaceName="alice-space", AppType="JupyterLab", AppName="nope"
        )
    assert _error_code(err) == "ResourceNotFound"

    # Another region of the same account is empty, as in AWS.
    demo.region = "us-west-2"
    elsewhere = demo.client("sagemaker")
    assert elsewhere.list_apps()["Apps"] == [] and elsewhere.list_domains()["Domains"] == []


def test_demo_efs_of_domains_and_orphans(demo):
    sm, efs = demo.client("sagemaker"), demo.client("efs")
    home = sm.describe_domain(DomainId="d-demo1")["HomeEfsFileSystemId"]
    systems = {fs["FileSystemId"]: fs for fs in efs.describe_file_systems()["FileSystems"]}
    assert systems[home]["SizeInBytes"]["Value"] == 105 * 1024**3
    owners = {
        fs_id: {t["Key"]: t["Value"] for t in fs["Tags"]}["ManagedByAmazonSageMakerResource"]
        for fs_id, fs in systems.items()
    }
    assert owners[home].endswith(":domain/d-demo1")
    (orphan,) = [fs_id for fs_id, owner in owners.items() if owner.endswith(":domain/d-gone9")]
    assert systems[orphan]["SizeInBytes"]["Value"] == 40 * 1024**3
    tags = efs.list_tags_for_resource(ResourceId=orphan)["Tags"]
    assert tags == [{"Key": "ManagedByAmazonSageMakerResource", "Value": owners[orphan]}]


def test_demo_endpoints_jobs_notebooks(demo):
    sm = demo.client("sagemaker")
    endpoints = {e["EndpointName"]: e for e in sm.list_endpoints()["Endpoints"]}
    assert set(endpoints) == {"churn-xgb", "faq-bot"}
    churn = sm.describe_endpoint(EndpointName="churn-xgb")
    assert churn["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    config = sm.describe_endpoint_config(EndpointConfigName=churn["EndpointConfigName"])
    variant = config["ProductionVariants"][0]
    assert (
        variant["InstanceType"],
        variant["InitialInstanceCount"],
        variant["VolumeSizeInGB"],
    ) == (
        "ml.m5.xlarge",
        2,
        4,
    )
    tags = sm.list_tags(ResourceArn=churn["EndpointArn"])["Tags"]
    assert tags == [{"Key": "sagemaker:user-profile-arn", "Value": ALICE_ARN}]
    faq = sm.describe_endpoint_config(
        EndpointConfigName=sm.describe_endpoint(EndpointName="faq-bot")["EndpointConfigName"]
    )
    assert faq["ProductionVariants"][0]["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 5,
    }

    running = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    assert [j["TrainingJobName"] for j in running] == ["bert-ft"]
    job = sm.describe_training_job(TrainingJobName="bert-ft")
    assert job["TrainingJobStatus"] == "InProgress"
    assert job["ResourceConfig"]["InstanceType"] == "ml.p3.2xlarge"
    assert job["ResourceConfig"]["InstanceCount"] == 2
    assert job["EnableManagedSpotTraining"] is True
    assert "TrainingEndTime" not in job
    sm.stop_training_job(TrainingJobName="bert-ft")
    stopped = sm.describe_training_job(TrainingJobName="bert-ft")
    assert (stopped["TrainingJobStatus"], stopped["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"] == []
    assert sm.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"] == []

    notebooks = sm.list_notebook_instances()["NotebookInstances"]
    assert [
        (n["NotebookInstanceName"], n["NotebookInstanceStatus"], n["InstanceType"])
        for n in notebooks
    ] == [("legacy-nb", "InService", "ml.t3.medium")]
    assert sm.describe_notebook_instance(NotebookInstanceName="legacy-nb")["VolumeSizeInGB"] == 5


def test_processing_and_transform_jobs_stay_in_progress(sandbox):
    scenario = {
        "region": "eu-west-1",
        "account": "210987654321",
        "processing_jobs": [
            {
                "name": "prep",
                "instance": "ml.m5.4xlarge",
                "count": 3,
                "age": "45m",
                "tags": {"team": "a"},
            }
        ],
        "transform_jobs": [{"name": "score", "instance": "ml.c5.xlarge", "count": 2, "age": "90s"}],
        "training_jobs": [
            {"name": "done", "instance": "ml.m5.large", "status": "Completed", "age": "1d"}
        ],
    }
    sandbox.load(scenario)
    sm = sandbox.client("sagemaker")
    prep = sm.describe_processing_job(ProcessingJobName="prep")
    assert prep["ProcessingJobStatus"] == "InProgress"
    assert prep["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.4xlarge"
    assert prep["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 3
    assert (
        prep["ProcessingJobArn"] == "arn:aws:sagemaker:eu-west-1:210987654321:processing-job/prep"
    )
    assert sm.list_tags(ResourceArn=prep["ProcessingJobArn"])["Tags"] == [
        {"Key": "team", "Value": "a"}
    ]
    score = sm.describe_transform_job(TransformJobName="score")
    assert score["TransformJobStatus"] == "InProgress"
    assert score["TransformResources"] == {"InstanceType": "ml.c5.xlarge", "InstanceCount": 2}
    assert [
        j["TrainingJobName"]
        for j in sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    ] == []
    assert sm.describe_training_job(TrainingJobName="done")["TrainingJobStatus"] == "Completed"

    # moto lacks the Stop*Job operations; the sandbox stops InProgress jobs.
    sm.stop_processing_job(ProcessingJobName="prep")
    assert sm.describe_processing_job(ProcessingJobName="prep")["ProcessingJobStatus"] == "Stopped"
    sm.stop_transform_job(TransformJobName="score")
    assert sm.describe_transform_job(TransformJobName="score")["TransformJobStatus"] == "Stopped"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.stop_training_job(TrainingJobName="done")
    assert _error_code(err) == "ValidationException"


def test_invocations_metrics_per_variant(demo):
    cw = demo.client("cloudwatch")
    now = datetime.now(timezone.utc)

    def dims(endpoint):
        return [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]

    queries = [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": "Invocations",
                    "Dimensions": dims(name),
                },
                "Period": 86400,
                "Stat": "Sum",
            },
        }
        for i, name in enumerate(["churn-xgb", "faq-bot"])
    ]
    results = cw.get_metric_data(
        StartTime=now - timedelta(hours=24), EndTime=now, MetricDataQueries=queries
    )
    sums = {r["Id"]: sum(r["Values"]) for r in results["MetricDataResults"]}
    assert sums == {"q0": 0.0, "q1": 1200.0}
    stats = cw.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="Invocations",
        Dimensions=dims("faq-bot"),
        StartTime=now - timedelta(hours=24),
        EndTime=now,
        Period=3600,
        Statistics=["Sum"],
    )
    assert len(stats["Datapoints"]) == 24
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1200.0


def test_invocations_split_across_variants(sandbox):
    sandbox.load(
        {
            "endpoints": [
                {
                    "name": "ab",
                    "invocations_24h": 101,
                    "variants": [
                        {"name": "a", "instance": "ml.m5.large"},
                        {"name": "b", "instance": "ml.m5.large"},
                    ],
                }
            ]
        }
    )
    cw = sandbox.client("cloudwatch")
    now = datetime.now(timezone.utc)
    totals = {}
    for variant in ("a", "b"):
        points = cw.get_metric_statistics(
            Namespace="AWS/SageMaker",
            MetricName="Invocations",
            Dimensions=[
                {"Name": "EndpointName", "Value": "ab"},
                {"Name": "VariantName", "Value": variant},
            ],
            StartTime=now - timedelta(hours=24),
            EndTime=now,
            Period=86400,
            Statistics=["Sum"],
        )["Datapoints"]
        totals[variant] = sum(p["Sum"] for p in points)
    assert totals == {"a": 51.0, "b": 50.0}


# --- pagination ----------------------------------------------------------------------------


def _many_apps_scenario(n_users: int, apps_per_user: int) -> dict:
    users = [f"user{i:03d}" for i in range(n_users)]
    apps = [
        {
            "type": "KernelGateway",
            "user": u,
            "name": f"kg-{k}",
            "instance": "ml.m5.large",
            "age": f"{k + 1}m",
        }
        for u in users
        for k in range(apps_per_user)
    ]
    return {"domains": [{"id": "d-big", "user_profiles": users, "apps": apps}]}


def test_list_apps_pagination_past_100(sandbox):
    sandbox.load(_many_apps_scenario(n_users=50, apps_per_user=5))  # 250 apps
    sm = sandbox.client("sagemaker")
    seen, pages, token = [], 0, None
    while True:
        kwargs = {
            "DomainIdEquals": "d-big",
            "MaxResults": 100,
            **({"NextToken": token} if token else {}),
        }
        page = sm.list_apps(**kwargs)
        pages += 1
        seen += [(a["UserProfileName"], a["AppName"]) for a in page["Apps"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert len(sm.list_apps()["Apps"]) == 10  # AWS's default MaxResults
    assert len(sm.list_apps(UserProfileNameEquals="user007", MaxResults=100)["Apps"]) == 5
    paginated = [a for p in sm.get_paginator("list_apps").paginate() for a in p["Apps"]]
    assert len(paginated) == 250
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.list_apps(MaxResults=101)
    assert _error_code(err) == "ValidationException"
    spaces_page = sm.list_spaces(DomainIdEquals="d-big")
    assert spaces_page["Spaces"] == [] and "NextToken" not in spaces_page


def test_pricing_get_products_shape_filters_and_pages(sandbox):
    pricing = sandbox.client("pricing")
    filters = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "ap-northeast-1"},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.g5.xlarge"},
        {"Type": "TERM_MATCH", "Field": "component", "Value": "Studio-JupyterLab"},
    ]
    (entry,) = pricing.get_products(ServiceCode="AmazonSageMaker", Filters=filters)["PriceList"]
    product = json.loads(entry)
    attrs = product["product"]["attributes"]
    assert (attrs["regionCode"], attrs["instanceName"], attrs["platoinstancetype"]) == (
        "ap-northeast-1",
        "ml.g5.xlarge",
        "Studio-JupyterLab",
    )
    (term,) = product["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    assert dimension["unit"] == "Hrs"
    assert float(dimension["pricePerUnit"]["USD"]) > 0

    # More than 100 products in us-east-1: pages of 100 with NextToken.
    region_filter = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]
    skus, token, pages = [], None, 0
    while True:
        kwargs = {"ServiceCode": "AmazonSageMaker", "Filters": region_filter, "MaxResults": 100}
        page = pricing.get_products(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        assert len(page["PriceList"]) <= 100
        skus += [json.loads(p)["product"]["sku"] for p in page["PriceList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages >= 2 and len(skus) > 100 and len(skus) == len(set(skus))


def test_scenario_prices_override_products(sandbox):
    filters = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "ap-northeast-1"},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.g5.xlarge"},
        {"Type": "TERM_MATCH", "Field": "component", "Value": "Studio-JupyterLab"},
    ]
    pricing = sandbox.client("pricing")

    def usd():
        (entry,) = pricing.get_products(ServiceCode="AmazonSageMaker", Filters=filters)["PriceList"]
        (term,) = json.loads(entry)["terms"]["OnDemand"].values()
        return next(iter(term["priceDimensions"].values()))["pricePerUnit"]["USD"]

    before = usd()
    sandbox.load(
        {
            "prices": [
                {
                    "region": "ap-northeast-1",
                    "component": "Studio-JupyterLab",
                    "instance_type": "ml.g5.xlarge",
                    "usd": "9.875",
                }
            ]
        }
    )
    assert usd() == "9.875" != before


# --- Studio operations: create, delete ----------------------------------------------------


def test_create_and_delete_app_lifecycle(sandbox):
    sandbox.load({"domains": [{"id": "d-life"}], "app_delete_seconds": 0.3})
    sm = sandbox.client("sagemaker")
    arn = sm.create_user_profile(DomainId="d-life", UserProfileName="carol")["UserProfileArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/d-life/carol"
    sm.create_space(
        DomainId="d-life",
        SpaceName="carol-space",
        OwnershipSettings={"OwnerUserProfileName": "carol"},
        SpaceSettings={
            "AppType": "JupyterLab",
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 30}},
        },
        SpaceSharingSettings={"SharingType": "Private"},
    )
    key = {
        "DomainId": "d-life",
        "SpaceName": "carol-space",
        "AppType": "JupyterLab",
        "AppName": "default",
    }
    app_arn = sm.create_app(**key, ResourceSpec={"InstanceType": "ml.g5.2xlarge"})["AppArn"]
    assert app_arn.endswith(":app/d-life/carol-space/jupyterlab/default")
    assert sm.describe_app(**key)["Status"] == "InService"
    assert sm.list_tags(ResourceArn=app_arn)["Tags"] == []
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.create_app(**key)
    assert _error_code(err) == "ResourceInUse"

    sm.delete_app(**key)
    assert sm.describe_app(**key)["Status"] == "Deleting"
    deadline = time.monotonic() + 10
    while sm.describe_app(**key)["Status"] == "Deleting" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sm.describe_app(**key)["Status"] == "Deleted"
    listed = sm.list_apps(DomainIdEquals="d-life")["Apps"]
    assert [(a["AppName"], a["Status"]) for a in listed] == [("default", "Deleted")]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.delete_app(**key)
    assert _error_code(err) == "ResourceNotFound"
    # A deleted app's name can be used again, as in AWS.
    sm.create_app(**key)
    assert sm.describe_app(**key)["ResourceSpec"]["InstanceType"] == "ml.t3.medium"

    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.create_space(DomainId="d-nope", SpaceName="x")
    assert _error_code(err) == "ResourceNotFound"


# --- faults and call counts --------------------------------------------------------------


def test_call_counter_keys(demo):
    demo.reset_calls()
    demo.client("sagemaker").list_apps()
    demo.client("sagemaker").list_apps()
    demo.client("efs").describe_file_systems()
    demo.client("cloudwatch").list_metrics(Namespace="AWS/SageMaker")
    demo.client("pricing").get_products(ServiceCode="AmazonSageMaker", MaxResults=1)
    demo.client("sts").get_caller_identity()
    assert demo.calls() == {
        "sagemaker.ListApps": 2,
        "elasticfilesystem.DescribeFileSystems": 1,
        "cloudwatch.ListMetrics": 1,
        "pricing.GetProducts": 1,
        "sts.GetCallerIdentity": 1,
    }
    demo.reset_calls()
    assert demo.calls() == {}


def test_throttle_is_retried_by_boto3(demo):
    demo.reset_calls()
    demo.fault({"throttle": {"operation": "sagemaker.ListApps", "count": 2}})
    sm = demo.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 4})
    response = sm.list_apps(MaxResults=100)
    assert len(response["Apps"]) == 4
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert demo.calls()["sagemaker.ListApps"] == 3  # 2 throttled + 1 served
    # Other operations are not throttled.
    sm_once = demo.client("sagemaker", **NO_RETRY)
    sm_once.list_spaces()
    demo.fault({"throttle": {"operation": "sagemaker.ListApps", "count": 1}})
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm_once.list_apps()
    assert _error_code(err) == "ThrottlingException"


def test_throttle_on_cbor_cloudwatch(demo):
    demo.fault({"throttle": {"operation": "cloudwatch.GetMetricData", "count": 1}})
    cw = demo.client("cloudwatch", **NO_RETRY)
    now = datetime.now(timezone.utc)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        cw.get_metric_data(
            StartTime=now - timedelta(hours=1),
            EndTime=now,
            MetricDataQueries=[
                {
                    "Id": "q",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations"},
                        "Period": 3600,
                        "Stat": "Sum",
                    },
                }
            ],
        )
    assert _error_code(err) == "ThrottlingException"


def test_deny_until_cleared(demo):
    demo.fault({"deny": ["sagemaker.ListEndpoints", "elasticfilesystem.DescribeFileSystems"]})
    sm = demo.client("sagemaker")
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            sm.list_endpoints()
        assert _error_code(err) == "AccessDeniedException"
        assert "sagemaker:ListEndpoints" in err.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        demo.client("efs").describe_file_systems()
    assert _error_code(err) == "AccessDeniedException"
    assert len(sm.list_apps()["Apps"]) == 4  # other operations still work
    demo.clear_faults()
    assert len(sm.list_endpoints()["Endpoints"]) == 2


def test_server_error_count(demo):
    demo.reset_calls()
    demo.fault({"error": {"operation": "sagemaker.ListEndpoints", "status": 500, "count": 2}})
    with pytest.raises(botocore.exceptions.ClientError) as err:
        demo.client("sagemaker", **NO_RETRY).list_endpoints()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert _error_code(err) == "InternalFailure"
    # One error left: boto3's standard retries get past it.
    sm = demo.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 3})
    assert len(sm.list_endpoints()["Endpoints"]) == 2
    assert demo.calls()["sagemaker.ListEndpoints"] == 3
    assert demo.client("sagemaker", **NO_RETRY).list_endpoints()["Endpoints"]


def test_latency_on_selected_operations(demo):
    demo.fault({"latency_ms": 150, "operations": ["sagemaker.ListApps"]})
    sm = demo.client("sagemaker")
    started = time.perf_counter()
    sm.list_apps()
    assert time.perf_counter() - started >= 0.15
    assert demo.client("efs").describe_file_systems()["FileSystems"]
    faults = demo._control("GET", "faults")
    assert faults["latency_ms"] == {"sagemaker.ListApps": 150.0}
    demo.clear_faults()
    assert demo._control("GET", "faults")["latency_ms"] == {}


def test_bad_fault_body_is_rejected(sandbox):
    with pytest.raises(SandboxControlError) as err:
        sandbox.fault({"throttle": {"operation": "ListApps", "count": 1}})
    assert err.value.status == 400
    with pytest.raises(SandboxControlError):
        sandbox.fault({"latency_ms": -5})
    assert sandbox._control("GET", "faults") == {
        "latency_ms": {},
        "throttle": {},
        "error": {},
        "deny": [],
        "rate_limit": {},
    }
    with pytest.raises(SandboxControlError):
        sandbox.fault({"rate_limit": {"operation": "sagemaker.ListApps", "per_second": 0}})
    with pytest.raises(SandboxControlError):
        sandbox.fault({"rate_limit": {"per_second": 5, "burst": 0.5}})


def test_rate_limit_throttles_past_calls_per_second_per_operation(demo, _sandbox_server):
    """Token buckets on the sandbox's own clock: a burst of 2, then 2 calls a second."""
    clock = {"now": 1000.0}
    faults = _sandbox_server.app.faults
    faults.clock = lambda: clock["now"]
    try:
        demo.fault({"rate_limit": {"operation": "*", "per_second": 2, "burst": 2}})
        sm = demo.client("sagemaker", **NO_RETRY)
        sm.list_apps()
        sm.list_apps()
        with pytest.raises(botocore.exceptions.ClientError) as err:
            sm.list_apps()  # the third within the same instant
        assert _error_code(err) == "ThrottlingException"
        assert err.value.response["Error"]["Message"] == "Rate exceeded"
        sm.list_spaces()  # each operation has its own bucket
        clock["now"] += 0.5  # half a second refills one token: one more call
        sm.list_apps()
        with pytest.raises(botocore.exceptions.ClientError):
            sm.list_apps()
        assert faults.throttled == 2
        # S3 answers its own way: 503 SlowDown.
        demo.client("s3").list_buckets()
        demo.client("s3").list_buckets()
        with pytest.raises(botocore.exceptions.ClientError) as err:
            demo.client("s3", **NO_RETRY).list_buckets()
        assert _error_code(err) == "SlowDown"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    finally:
        faults.clock = time.monotonic


# --- scenario validation ------------------------------------------------------------------


def _demo_with(path: tuple, value) -> dict:
    scenario = copy.deepcopy(DEMO)
    target = scenario
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return scenario


@pytest.mark.parametrize(
    ("scenario", "field"),
    [
        (_demo_with(("colour",), "red"), "colour"),
        (_demo_with(("domains", 0, "apps", 0, "age"), "3 hours"), "domains[0].apps[0].age"),
        (
            _demo_with(("domains", 0, "apps", 0, "space"), "nobody-space"),
            "domains[0].apps[0].space",
        ),
        (_demo_with(("domains", 0, "apps", 1, "type"), "Emacs"), "domains[0].apps[1].type"),
        (
            _demo_with(("endpoints", 0, "variants", 0, "count"), "two"),
            "endpoints[0].variants[0].count",
        ),
        (_demo_with(("notebook_instances", 0, "age"), "-1d"), "notebook_instances[0].age"),
        (_demo_with(("me", "space"), "bob-space"), "me.space"),
        (_demo_with(("training_jobs", 0, "gpu"), True), "training_jobs[0].gpu"),
    ],
)
def test_invalid_scenario_names_field_and_loads_nothing(demo, scenario, field):
    before = demo.client("sagemaker").list_apps(MaxResults=100)["Apps"]
    demo.reset_calls()
    with pytest.raises(SandboxControlError) as err:
        demo.load(scenario)
    assert err.value.status == 400
    assert err.value.field == field
    assert field in str(err.value)
    # The previous scenario is intact: nothing half-loaded, nothing removed.
    sm = demo.client("sagemaker")
    assert sm.list_apps(MaxResults=100)["Apps"] == before
    assert len(sm.list_endpoints()["Endpoints"]) == 2
    assert demo.scenario()["domains"][0]["id"] == "d-demo1"


def test_yaml_scenario_file(sandbox, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(
        "region: eu-central-1\nnotebook_instances:\n  - {name: nb1, instance: ml.t3.large}\n"
    )
    sandbox.load(path)
    assert sandbox.region == "eu-central-1"
    notebooks = sandbox.client("sagemaker").list_notebook_instances()["NotebookInstances"]
    assert [(n["NotebookInstanceName"], n["InstanceType"]) for n in notebooks] == [
        ("nb1", "ml.t3.large")
    ]


def test_reset_empties_the_account(demo):
    demo.fault({"deny": ["sagemaker.ListApps"]})
    demo.reset()
    sm = demo.client("sagemaker")
    assert sm.list_apps()["Apps"] == []
    assert sm.list_endpoints()["Endpoints"] == []
    assert demo.client("efs").describe_file_systems()["FileSystems"] == []
    assert demo.calls() == {
        "sagemaker.ListApps": 1,
        "sagemaker.ListEndpoints": 1,
        "elasticfilesystem.DescribeFileSystems": 1,
    }
    assert demo.region == "us-east-1"


# --- metadata and CLI ---------------------------------------------------------------------


def test_metadata_shapes():
    studio = resource_metadata({**DEMO, "me": DEMO["me"]})
    assert studio == {
        "AppType": "JupyterLab",
        "DomainId": "d-demo1",
        "SpaceName": "alice-space",  # and no UserProfileName, as on AWS
        "ResourceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/d-demo1/alice-space/"
        "jupyterlab/default",
        "ResourceName": "default",
        "AppImageVersion": "",
    }
    me = {
        "domain": "d-demo1",
        "user": "bob",
        "app_type": "KernelGateway",
        "app_name": "datascience-ml-m5-large",
    }
    classic = resource_metadata({**DEMO, "me": me})
    assert classic["ResourceArn"].endswith(":app/d-demo1/bob/kernelgateway/datascience-ml-m5-large")
    # ResourceName is the image's name on Studio Classic (tests/fixtures/aws/README.md).
    assert (classic["AppType"], classic["UserProfileName"], classic["ResourceName"]) == (
        "KernelGateway",
        "bob",
        "sagemaker-data-science-310-v1",
    )
    notebook = resource_metadata({**DEMO, "me": {"notebook_instance": "legacy-nb"}})
    assert notebook == {
        "ResourceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/legacy-nb",
        "ResourceName": "legacy-nb",
    }
    assert resource_metadata({**DEMO, "me": None}) is None


def test_fixture_writes_metadata(demo, tmp_path):
    path = demo.write_metadata(tmp_path / "meta" / "resource-metadata.json")
    assert json.loads(path.read_text())["ResourceArn"].endswith(
        ":app/d-demo1/alice-space/jupyterlab/default"
    )


def test_cli_serves_scenario_and_writes_metadata(tmp_path):
    meta = tmp_path / "resource-metadata.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_costwidget.cli",
            "sandbox",
            "--scenario",
            str(DEMO_SCENARIO),
            "--port",
            "0",
            "--metadata-out",
            str(meta),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        for line in proc.stdout:
            if "listening on " in line:
                url = line.split("listening on ")[1].split()[0]
                break
        assert url, proc.stderr.read()
        assert json.loads(meta.read_text())["SpaceName"] == "alice-space"
        from jupyter_costwidget.sandbox import SandboxClient

        client = SandboxClient(url)
        assert client.region == REGION
        assert len(client.client("sagemaker").list_apps()["Apps"]) == 4
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
