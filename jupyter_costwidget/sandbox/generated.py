"""Generated scenarios: a large account for the benchmarks and the collector's tests."""

from __future__ import annotations

from typing import Any


def large_scenario(
    region: str = "us-east-1",
    account: str = "123456789012",
    other_region: str = "ap-northeast-1",
    domains: int = 5,
    users: int = 40,
    endpoints: int = 200,
    jobs_per_kind: tuple[int, int, int] = (40, 30, 30),
    notebooks: int = 50,
) -> dict[str, Any]:
    """A large account: per domain `users` users, each with a JupyterLab space app, a
    Classic JupyterServer and three KernelGateways; `endpoints` endpoints (every fourth
    idle), InProgress jobs, notebook instances, one of each hourly service, a deleted
    domain's EFS, and a Canvas app with 20 endpoints in `other_region`."""
    REGION, ACCOUNT, OTHER_REGION = region, account, other_region
    domain_list = []
    user_arns = []
    for d in range(domains):
        did = f"d-bench{d}"
        names = [f"u{d}x{i}" for i in range(users)]
        apps = []
        for u in names:
            user_arns.append(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{did}/{u}")
            apps.append(
                {"type": "JupyterLab", "space": f"{u}-sp", "instance": "ml.t3.medium", "age": "5h"}
            )
            apps.append({"type": "JupyterServer", "user": u, "name": "default", "age": "9d"})
            for k in range(3):
                apps.append(
                    {
                        "type": "KernelGateway",
                        "user": u,
                        "name": f"kg{k}",
                        "instance": "ml.m5.large",
                        "age": "2h",
                    }
                )
        domain_list.append(
            {
                "id": did,
                "efs_gb": 10 + d,
                "user_profiles": names,
                "spaces": [{"name": f"{u}-sp", "owner": u, "ebs_gb": 5} for u in names],
                "apps": apps,
            }
        )
    endpoint_list = [
        {
            "name": f"ep{i}",
            "age": "3d",
            "invocations_24h": 0 if i % 4 == 0 else 100,
            "tags": {"sagemaker:user-profile-arn": user_arns[i % len(user_arns)]},
            "variants": [{"instance": "ml.m5.xlarge", "count": 1 + i % 3, "volume_gb": 4}],
        }
        for i in range(endpoints)
    ]
    jobs = lambda prefix, n: [  # noqa: E731
        {"name": f"{prefix}{i}", "instance": "ml.m5.xlarge", "count": 1, "age": "1h"}
        for i in range(n)
    ]
    return {
        "region": REGION,
        "account": ACCOUNT,
        "domains": domain_list,
        "deleted_domain_efs": [{"domain_id": "d-gone1", "efs_gb": 40}],
        "endpoints": endpoint_list,
        "training_jobs": jobs("tr", jobs_per_kind[0]),
        "processing_jobs": jobs("pr", jobs_per_kind[1]),
        "transform_jobs": jobs("tf", jobs_per_kind[2]),
        "notebook_instances": [
            {"name": f"nb{i}", "instance": "ml.t3.medium", "age": "2d"} for i in range(notebooks)
        ],
        "mlflow_tracking_servers": [
            {"name": f"mlflow{i}", "size": "Small", "age": "3d"} for i in range(3)
        ],
        "hyperpod_clusters": [
            {
                "name": "hp0",
                "age": "20h",
                "groups": [{"name": "workers", "instance": "ml.p5.48xlarge", "count": 4}],
            }
        ],
        "partner_apps": [{"name": "comet0", "type": "comet", "tier": "small", "age": "2d"}],
        # Another region of the account: what c.CostWidget.regions adds (scope "account").
        "other_regions": {
            OTHER_REGION: {
                "domains": [
                    {
                        "id": "d-tokyo0",
                        "user_profiles": ["taro"],
                        "apps": [{"type": "Canvas", "user": "taro", "age": "5d"}],
                    }
                ],
                "endpoints": [
                    {"name": f"tok{i}", "age": "2d", "variants": [{"instance": "ml.m5.large"}]}
                    for i in range(20)
                ],
            }
        },
        "me": {
            "domain": "d-bench0",
            "space": "u0x0-sp",
            "app_type": "JupyterLab",
            "app_name": "default",
        },
    }
