"""The sandbox answers every AWS operation the project uses in the shape botocore models.

botocore's service models (`botocore/data/<service>/*/service-2.json`) are the truth: each
raw JSON response is walked with its output shape (`botocore_shapes.conformance_errors`), so
a member AWS does not send, a missing required member or a wrong type fails here even where
botocore's parser would hide it. Protocols that are not JSON on the wire (STS's query XML,
CloudWatch's and the tagging API's CBOR) are checked in their parsed form. Error answers must
carry a code that botocore's model (or AWS's common errors) names.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from jupyter_costwidget.sandbox import DEMO_SCENARIO

from .botocore_shapes import RawBodies, conformance_errors

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-conf1/alice"
# Every kind of resource and every scenario feature the inventory reads.
EVERYTHING = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": "d-conf1",
            "name": "conformance",
            "efs_gb": 12,
            "user_profiles": ["alice", "Bob"],
            "spaces": [
                {"name": "alice-space", "owner": "alice", "ebs_gb": 50},
                {"name": "Shared-Space", "ebs_gb": 5},
            ],
            "apps": [
                {"type": "JupyterLab", "space": "alice-space", "instance": "ml.g5.xlarge"},
                {"type": "CodeEditor", "space": "Shared-Space", "instance": "ml.t3.medium"},
                {"type": "KernelGateway", "user": "Bob", "name": "ds-1", "instance": "ml.m5.large"},
                {"type": "JupyterServer", "user": "Bob"},
                {"type": "Canvas", "user": "alice"},
            ],
        }
    ],
    "deleted_domain_efs": [{"domain_id": "d-gone1", "efs_gb": 3}],
    "endpoints": [
        {
            "name": "ep-real-time",
            "tags": {"sagemaker:user-profile-arn": ALICE_ARN},
            "variants": [{"instance": "ml.m5.xlarge", "count": 2, "volume_gb": 4}],
        },
        {"name": "ep-serverless", "variants": [{"serverless": {"memory_mb": 2048}}]},
        {
            "name": "ep-pools",
            "variants": [
                {
                    "pools": [
                        {"instance": "ml.g5.xlarge", "count": 1},
                        {"instance": "ml.g6.xlarge", "count": 2},
                    ]
                }
            ],
        },
        {"name": "ep-async", "async": True, "variants": [{"instance": "ml.g5.xlarge"}]},
    ],
    "training_jobs": [
        {"name": "train-1", "instance": "ml.g5.xlarge", "spot": True},
        {
            "name": "train-warm",
            "instance": "ml.g4dn.xlarge",
            "status": "Completed",
            "warm_pool": {"status": "Available", "age": "40m"},
        },
        {
            "name": "train-flex",
            "preferences": ["ml.g5.xlarge", "ml.g6.xlarge"],
            "selected": {"instance": "ml.g6.xlarge", "count": 2},
        },
    ],
    "processing_jobs": [
        {"name": "proc-1", "instance": "ml.m5.xlarge"},
        {"name": "proc-flex", "preferences": ["ml.g5.xlarge", "ml.g6.xlarge"]},
    ],
    "transform_jobs": [{"name": "tform-1", "instance": "ml.m5.large"}],
    "notebook_instances": [
        {"name": "nb-on", "instance": "ml.t3.medium"},
        {"name": "nb-off", "instance": "ml.t3.medium", "status": "Stopped"},
    ],
    "mlflow_tracking_servers": [
        {"name": "mlflow-1", "size": "Medium", "tags": {"sagemaker:user-profile-arn": ALICE_ARN}},
        {"name": "mlflow-off", "status": "Stopped"},
    ],
    "hyperpod_clusters": [
        {
            "name": "hp-1",
            "groups": [
                {"name": "ctrl", "instance": "ml.m5.xlarge", "count": 1},
                {"name": "workers", "instance": "ml.p5.48xlarge", "count": 2},
            ],
        }
    ],
    "partner_apps": [{"name": "comet-1", "type": "comet", "tier": "small"}],
    "other_regions": {
        "ap-northeast-1": {
            "domains": [
                {
                    "id": "d-tokyo1",
                    "user_profiles": ["taro"],
                    "apps": [{"type": "Canvas", "user": "taro"}],
                }
            ],
            "endpoints": [{"name": "ep-tokyo", "variants": [{"instance": "ml.m5.xlarge"}]}],
        }
    },
    "me": {"domain": "d-conf1", "space": "alice-space", "app_type": "JupyterLab"},
    "billing": {
        "month_to_date": 100.0,
        "forecast": 300.0,
        "cost_allocation_tags_active": True,
        "by_tag": {ALICE_ARN: 40.0},
        "budgets": [{"name": "ml", "limit": 500, "actual": 100, "forecast": 300}],
        "by_region": {"ap-northeast-1": 30.0},
    },
}
# Protocols that are JSON on the wire: their raw bodies are checked.
RAW_JSON_PROTOCOLS = {"json", "rest-json"}
# AWS's common errors, valid for every operation of a JSON service.
COMMON_ERRORS = {
    "AccessDeniedException",
    "ThrottlingException",
    "ValidationException",
    "UnrecognizedClientException",
    "InternalFailure",
    "ServiceUnavailable",
}


def client(sandbox: Any, service: str) -> Any:
    return boto3.client(service, region_name=sandbox.region, endpoint_url=sandbox.url)


def calls(sandbox: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, operation, params) of every read the project makes, for what is loaded."""
    sm = client(sandbox, "sagemaker")
    out: list[tuple[str, str, dict[str, Any]]] = [
        ("sagemaker", "ListDomains", {"MaxResults": 100}),
        ("sagemaker", "ListApps", {"MaxResults": 100}),
        ("sagemaker", "ListSpaces", {"MaxResults": 100}),
        ("sagemaker", "ListEndpoints", {"MaxResults": 100}),
        ("sagemaker", "ListTrainingJobs", {"MaxResults": 100, "StatusEquals": "InProgress"}),
        (
            "sagemaker",
            "ListTrainingJobs",
            {"MaxResults": 100, "WarmPoolStatusEquals": "Available"},
        ),
        ("sagemaker", "ListProcessingJobs", {"MaxResults": 100, "StatusEquals": "InProgress"}),
        ("sagemaker", "ListTransformJobs", {"MaxResults": 100, "StatusEquals": "InProgress"}),
        ("sagemaker", "ListNotebookInstances", {"MaxResults": 100}),
        ("efs", "DescribeFileSystems", {"MaxItems": 100}),
        (
            "resourcegroupstaggingapi",
            "GetResources",
            {"ResourceTypeFilters": ["sagemaker:endpoint"], "ResourcesPerPage": 100},
        ),
        ("sts", "GetCallerIdentity", {}),
        (
            "ce",
            "GetCostAndUsage",
            {
                "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-15"},
                "Granularity": "DAILY",
                "Metrics": ["UnblendedCost"],
                "GroupBy": [
                    {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
                    {"Type": "DIMENSION", "Key": "REGION"},
                ],
            },
        ),
        ("sagemaker", "ListMlflowTrackingServers", {"MaxResults": 100}),
        ("sagemaker", "ListClusters", {"MaxResults": 100}),
        ("sagemaker", "ListPartnerApps", {"MaxResults": 100}),
        ("ce", "ListCostAllocationTags", {"TagKeys": ["sagemaker:user-profile-arn"]}),
        ("budgets", "DescribeBudgets", {"AccountId": ACCOUNT, "MaxResults": 100}),
        (
            "pricing",
            "GetProducts",
            {
                "ServiceCode": "AmazonSageMaker",
                "FormatVersion": "aws_v1",
                "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": REGION}],
                "MaxResults": 100,
            },
        ),
    ]
    for domain in sm.list_domains()["Domains"]:
        out.append(("sagemaker", "DescribeDomain", {"DomainId": domain["DomainId"]}))
    for app in sm.list_apps()["Apps"]:
        who = (
            {"SpaceName": app["SpaceName"]}
            if app.get("SpaceName")
            else {"UserProfileName": app["UserProfileName"]}
        )
        keys = {k: app[k] for k in ("DomainId", "AppType", "AppName")}
        out.append(("sagemaker", "DescribeApp", {**keys, **who}))
    for space in sm.list_spaces()["Spaces"]:
        params = {"DomainId": space["DomainId"], "SpaceName": space["SpaceName"]}
        out.append(("sagemaker", "DescribeSpace", params))
    for endpoint in sm.list_endpoints()["Endpoints"]:
        desc = sm.describe_endpoint(EndpointName=endpoint["EndpointName"])
        out.append(("sagemaker", "DescribeEndpoint", {"EndpointName": endpoint["EndpointName"]}))
        config = {"EndpointConfigName": desc["EndpointConfigName"]}
        out.append(("sagemaker", "DescribeEndpointConfig", config))
        out.append(("sagemaker", "ListTags", {"ResourceArn": endpoint["EndpointArn"]}))
    for kind in ("TrainingJob", "ProcessingJob", "TransformJob"):
        listed = getattr(sm, f"list_{_snake(kind)}s")()[f"{kind}Summaries"]
        for job in listed:
            name = {f"{kind}Name": job[f"{kind}Name"]}
            out.append(("sagemaker", f"Describe{kind}", name))
    for nb in sm.list_notebook_instances()["NotebookInstances"]:
        params = {"NotebookInstanceName": nb["NotebookInstanceName"]}
        out.append(("sagemaker", "DescribeNotebookInstance", params))
    for server in sm.list_mlflow_tracking_servers()["TrackingServerSummaries"]:
        params = {"TrackingServerName": server["TrackingServerName"]}
        out.append(("sagemaker", "DescribeMlflowTrackingServer", params))
        out.append(("sagemaker", "ListTags", {"ResourceArn": server["TrackingServerArn"]}))
    for cluster in sm.list_clusters()["ClusterSummaries"]:
        out.append(("sagemaker", "DescribeCluster", {"ClusterName": cluster["ClusterName"]}))
        out.append(("sagemaker", "ListTags", {"ResourceArn": cluster["ClusterArn"]}))
    for partner in sm.list_partner_apps()["Summaries"]:
        out.append(("sagemaker", "DescribePartnerApp", {"Arn": partner["Arn"]}))
    return out


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def check_all(sandbox: Any) -> list[str]:
    problems: list[str] = []
    clients: dict[str, tuple[Any, RawBodies]] = {}
    for service, operation, params in calls(sandbox):
        if service not in clients:
            c = client(sandbox, service)
            clients[service] = (c, RawBodies(c))
        c, raw = clients[service]
        parsed = getattr(c, _snake(operation))(**params)
        shape = c.meta.service_model.operation_model(operation).output_shape
        if c.meta.service_model.protocol in RAW_JSON_PROTOCOLS:
            body = raw.json(operation)[-1]
        else:
            body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        problems += [f"{service}.{operation}: {p}" for p in conformance_errors(body, shape)]
    return problems


@pytest.mark.parametrize(
    "scenario",
    [json.loads(DEMO_SCENARIO.read_text()), EVERYTHING],
    ids=["demo", "everything"],
)
def test_every_response_has_botocore_s_shape(sandbox, scenario):
    data = dict(scenario)
    data["region"] = REGION  # the same calls for both (the demo lives in Tokyo)
    data["me"] = None
    sandbox.load(_in_region(data))
    problems = check_all(sandbox)
    assert problems == []


def _in_region(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario with its ARNs moved to REGION."""
    text = json.dumps(data).replace(":ap-northeast-1:", f":{REGION}:")
    return json.loads(text)


def test_the_check_sees_what_botocore_does_not_model(sandbox):
    # The checker itself: a member the model lacks, a missing required one, a wrong type.
    sm = client(sandbox, "sagemaker")
    shape = sm.meta.service_model.operation_model("DescribeEndpoint").output_shape
    good = {
        "EndpointName": "e",
        "EndpointArn": "arn",
        "EndpointConfigName": "c",
        "EndpointStatus": "InService",
        "CreationTime": 1.0,
        "LastModifiedTime": 1.0,
    }
    assert conformance_errors(good, shape) == []
    assert conformance_errors({**good, "InstanceType": "ml.m5.large"}, shape) == [
        "$.InstanceType: not in botocore's DescribeEndpointOutput"
    ]
    missing = {k: v for k, v in good.items() if k != "EndpointArn"}
    assert conformance_errors(missing, shape) == [
        "$.EndpointArn: required by DescribeEndpointOutput, missing"
    ]
    assert conformance_errors({**good, "EndpointStatus": "Running"}, shape) == [
        "$.EndpointStatus: 'Running' is not one of botocore's EndpointStatus values"
    ]
    assert conformance_errors({**good, "CreationTime": "yesterday"}, shape) == [
        "$.CreationTime: 'yesterday' is not a timestamp"
    ]


@pytest.mark.parametrize(
    ("operation", "params", "fault"),
    [
        ("DescribeEndpoint", {"EndpointName": "nope"}, None),
        (
            "DescribeApp",
            {"DomainId": "d-conf1", "SpaceName": "nope", "AppType": "JupyterLab", "AppName": "x"},
            None,
        ),
        ("DescribeSpace", {"DomainId": "d-conf1", "SpaceName": "nope"}, None),
        ("ListEndpoints", {}, {"deny": ["sagemaker.ListEndpoints"]}),
        ("ListApps", {}, {"throttle": {"operation": "sagemaker.ListApps", "count": 1}}),
    ],
    ids=["no-endpoint", "no-app", "no-space", "denied", "throttled"],
)
def test_errors_carry_codes_botocore_knows(sandbox, operation, params, fault):
    sandbox.load(EVERYTHING)
    if fault:
        sandbox.fault(fault)
    sm = boto3.client(
        "sagemaker",
        region_name=sandbox.region,
        endpoint_url=sandbox.url,
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as info:
        getattr(sm, _snake(operation))(**params)
    code = info.value.response["Error"]["Code"]
    modeled = {e.name for e in sm.meta.service_model.operation_model(operation).error_shapes}
    assert code in modeled | COMMON_ERRORS, (code, modeled)
    assert info.value.response["Error"].get("Message")


def test_stops_of_the_hourly_services_answer_in_botocore_s_shape(sandbox):
    sandbox.load(EVERYTHING)
    sm = client(sandbox, "sagemaker")
    raw = RawBodies(sm)
    partner = sm.list_partner_apps()["Summaries"][0]["Arn"]
    problems = []
    for operation, params in (
        ("StopMlflowTrackingServer", {"TrackingServerName": "mlflow-1"}),
        ("DeleteCluster", {"ClusterName": "hp-1"}),
        ("DeletePartnerApp", {"Arn": partner}),
    ):
        getattr(sm, _snake(operation))(**params)
        shape = sm.meta.service_model.operation_model(operation).output_shape
        problems += [
            f"{operation}: {p}" for p in conformance_errors(raw.json(operation)[-1], shape)
        ]
    assert problems == []
    # What each stop leaves, as AWS describes it afterwards.
    server = sm.describe_mlflow_tracking_server(TrackingServerName="mlflow-1")
    assert server["TrackingServerStatus"] == "Stopped"
    assert sm.describe_cluster(ClusterName="hp-1")["ClusterStatus"] == "Deleting"
    assert sm.describe_partner_app(Arn=partner)["Status"] == "Deleting"


def test_other_regions_are_served_in_their_own_region(sandbox):
    sandbox.load(EVERYTHING)
    tokyo = boto3.client("sagemaker", region_name="ap-northeast-1", endpoint_url=sandbox.url)
    apps = tokyo.list_apps()["Apps"]
    assert [(a["DomainId"], a["AppType"]) for a in apps] == [("d-tokyo1", "Canvas")]
    assert [e["EndpointName"] for e in tokyo.list_endpoints()["Endpoints"]] == ["ep-tokyo"]
    assert tokyo.list_mlflow_tracking_servers()["TrackingServerSummaries"] == []
    home = client(sandbox, "sagemaker")
    assert "ep-tokyo" not in [e["EndpointName"] for e in home.list_endpoints()["Endpoints"]]
    assert "d-tokyo1" not in [a["DomainId"] for a in home.list_apps()["Apps"]]
