"""AWS ARN formats for the SageMaker resources the sandbox serves.

SageMaker writes the resource part of its ARNs in lower case (a profile named
`default-20240603T130019` has the ARN `.../user-profile/d-.../default-20240603t130019`; see
tests/fixtures/aws/README.md), and so does the sandbox."""

from __future__ import annotations


def sagemaker_arn(region: str, account: str, resource: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{resource.lower()}"


def domain_arn(region: str, account: str, domain_id: str) -> str:
    return sagemaker_arn(region, account, f"domain/{domain_id}")


def user_profile_arn(region: str, account: str, domain_id: str, user: str) -> str:
    return sagemaker_arn(region, account, f"user-profile/{domain_id}/{user}")


def space_arn(region: str, account: str, domain_id: str, space: str) -> str:
    return sagemaker_arn(region, account, f"space/{domain_id}/{space}")


def app_arn(region: str, account: str, domain_id: str, owner: str, app_type: str, name: str) -> str:
    """`owner` is the user profile (Studio Classic) or the space (new Studio)."""
    return sagemaker_arn(region, account, f"app/{domain_id}/{owner}/{app_type}/{name}")


def notebook_instance_arn(region: str, account: str, name: str) -> str:
    return sagemaker_arn(region, account, f"notebook-instance/{name}")
