"""AWS ARN formats for the SageMaker resources the sandbox serves."""

from __future__ import annotations


def sagemaker_arn(region: str, account: str, resource: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{resource}"


def domain_arn(region: str, account: str, domain_id: str) -> str:
    return sagemaker_arn(region, account, f"domain/{domain_id}")


def user_profile_arn(region: str, account: str, domain_id: str, user: str) -> str:
    return sagemaker_arn(region, account, f"user-profile/{domain_id}/{user}")


def space_arn(region: str, account: str, domain_id: str, space: str) -> str:
    return sagemaker_arn(region, account, f"space/{domain_id}/{space}")


def app_arn(region: str, account: str, domain_id: str, owner: str, app_type: str, name: str) -> str:
    """`owner` is the user profile (Studio Classic) or the space (new Studio)."""
    return sagemaker_arn(region, account, f"app/{domain_id}/{owner}/{app_type.lower()}/{name}")


def notebook_instance_arn(region: str, account: str, name: str) -> str:
    # SageMaker lower-cases notebook instance names in ARNs.
    return sagemaker_arn(region, account, f"notebook-instance/{name.lower()}")
