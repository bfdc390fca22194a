"""Owners from SageMaker's owner tags (pure). Tag keys and the lower-case ARNs are as AWS
writes them: tests/fixtures/aws/README.md (a quick-setup profile `default-20240603T130019`
tagged `.../user-profile/d-bm2diz0f1spr/default-20240603t130019`)."""

from __future__ import annotations

from jupyter_costwidget.aws.ownership import Home, Names, attribute, partition_of

ACCOUNT = "123456789012"
HOME = Home(ACCOUNT, "us-east-1")
DOMAIN = "d-bm2diz0f1spr"
PROFILE = "default-20240603T130019"
NAMES = Names(
    domains=[DOMAIN],
    profiles=[(DOMAIN, PROFILE), (DOMAIN, "bob")],
    spaces=[(DOMAIN, "Team-Space")],
)
SPACE_OWNERS = {(DOMAIN, "Team-Space"): "bob"}


def owner_of_space(domain: str, space: str) -> str | None:
    return SPACE_OWNERS.get((domain, space))


def arn(resource: str, account: str = ACCOUNT, region: str = "us-east-1", part="aws") -> str:
    return f"arn:{part}:sagemaker:{region}:{account}:{resource}"


def test_partitions():
    assert partition_of("us-east-1") == "aws"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    assert Home(ACCOUNT, "cn-northwest-1").partition == "aws-cn"


def test_lower_case_profile_arn_finds_the_real_name():
    tags = {
        "sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/{PROFILE.lower()}"),
        "sagemaker:domain-arn": arn(f"domain/{DOMAIN}"),
    }
    assert attribute(tags, NAMES, HOME, owner_of_space) == {
        "owner": PROFILE,
        "space": None,
        "domain_id": DOMAIN,
    }


def test_a_space_tag_gives_the_space_and_its_owner():
    for key in ("sagemaker:space-arn", "sagemaker:shared-space-arn"):
        tags = {key: arn(f"space/{DOMAIN}/team-space")}
        out = attribute(tags, NAMES, HOME, owner_of_space)
        assert out == {"owner": "bob", "space": "Team-Space", "domain_id": DOMAIN}


def test_the_profile_tag_wins_over_the_space_owner():
    tags = {
        "sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/{PROFILE.lower()}"),
        "sagemaker:space-arn": arn(f"space/{DOMAIN}/team-space"),
    }
    out = attribute(tags, NAMES, HOME, owner_of_space)
    assert out["owner"] == PROFILE and out["space"] == "Team-Space"


def test_a_domain_tag_alone_gives_only_the_domain():
    out = attribute({"sagemaker:domain-arn": arn(f"domain/{DOMAIN}")}, NAMES, HOME, owner_of_space)
    assert out == {"owner": None, "space": None, "domain_id": DOMAIN}


def test_no_tags_no_owner_no_note():
    assert attribute({}, NAMES, HOME, owner_of_space) == {
        "owner": None,
        "space": None,
        "domain_id": None,
    }


def test_tags_of_another_account_region_or_partition_do_not_count():
    for other in (
        arn(f"user-profile/{DOMAIN}/bob", account="999999999999"),
        arn(f"user-profile/{DOMAIN}/bob", region="eu-west-1"),
        arn(f"user-profile/{DOMAIN}/bob", part="aws-cn"),
    ):
        out = attribute({"sagemaker:user-profile-arn": other}, NAMES, HOME, owner_of_space)
        assert out["owner"] is None and out["domain_id"] is None
        assert "not this account and region: not counted" in out["ownership_note"]
    # Without a home (not known yet) the tag counts.
    other = arn(f"user-profile/{DOMAIN}/bob", account="999999999999")
    out = attribute({"sagemaker:user-profile-arn": other}, NAMES, None, owner_of_space)
    assert out["owner"] == "bob"


def test_upper_case_partition_and_region_in_a_tag_still_count():
    tag = f"arn:AWS:sagemaker:US-EAST-1:{ACCOUNT}:user-profile/{DOMAIN}/bob"
    out = attribute({"sagemaker:user-profile-arn": tag}, NAMES, HOME, owner_of_space)
    assert out["owner"] == "bob"


def test_unknown_domain_and_non_sagemaker_arns_are_noted():
    out = attribute(
        {"sagemaker:user-profile-arn": arn("user-profile/d-gone/bob")}, NAMES, HOME, owner_of_space
    )
    assert out["owner"] is None
    assert out["ownership_note"] == (
        "sagemaker:user-profile-arn names a domain that is not in this region: not counted"
    )
    s3 = f"arn:aws:s3:::bucket/{DOMAIN}"
    out = attribute({"sagemaker:domain-arn": s3}, NAMES, HOME, owner_of_space)
    assert out["ownership_note"] == "sagemaker:domain-arn is not a SageMaker ARN"
    out = attribute({"sagemaker:domain-arn": "not an arn"}, NAMES, HOME, owner_of_space)
    assert out["domain_id"] is None and "not a SageMaker ARN" in out["ownership_note"]


def test_names_that_differ_only_in_case_are_nobodys():
    names = Names([DOMAIN], profiles=[(DOMAIN, "Alice"), (DOMAIN, "alice")])
    tags = {"sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/alice")}
    out = attribute(tags, names, HOME, owner_of_space)
    assert out["owner"] is None and out["domain_id"] == DOMAIN
    assert out["ownership_note"] == (
        f"the owner tag matches user profiles Alice, alice of {DOMAIN}, which differ only in "
        "case: counted as nobody's"
    )
    spaces = Names([DOMAIN], spaces=[(DOMAIN, "Lab"), (DOMAIN, "lab")])
    tags = {"sagemaker:space-arn": arn(f"space/{DOMAIN}/lab")}
    out = attribute(tags, spaces, HOME, lambda d, s: "someone")
    assert out["owner"] is None and out["space"] is None
    assert "spaces Lab, lab" in out["ownership_note"]
    # An ambiguous space with a clear profile tag: still nobody's (the tags disagree).
    tags["sagemaker:user-profile-arn"] = arn(f"user-profile/{DOMAIN}/bob")
    both = Names([DOMAIN], profiles=[(DOMAIN, "bob")], spaces=[(DOMAIN, "Lab"), (DOMAIN, "lab")])
    assert attribute(tags, both, HOME, owner_of_space)["owner"] is None


def test_a_name_not_known_any_more_is_kept_as_written():
    names = Names([DOMAIN])
    tags = {"sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/carol")}
    assert attribute(tags, names, HOME, owner_of_space)["owner"] == "carol"
    assert names.resolve("profile", DOMAIN.upper(), "CAROL") == ("CAROL", [])
    assert names.domain(DOMAIN.upper()) == DOMAIN
    assert Names(domains=[""], profiles=[("", "x"), (DOMAIN, "")]).domain("") is None


def test_a_profile_arn_without_a_name_or_an_unknown_kind_gives_no_owner():
    for resource in (f"user-profile/{DOMAIN}", f"app/{DOMAIN}/bob/jupyterlab/default"):
        out = attribute({"sagemaker:user-profile-arn": arn(resource)}, NAMES, HOME, owner_of_space)
        assert (out["owner"], out["space"], out["domain_id"]) == (None, None, None)


def test_an_app_arn_gives_no_space_and_no_domain():
    tags = {"sagemaker:space-arn": arn(f"app/{DOMAIN}/team-space/jupyterlab/default")}
    assert attribute(tags, NAMES, HOME, owner_of_space) == {
        "owner": None,
        "space": None,
        "domain_id": None,
    }


def test_a_bad_tag_does_not_hide_the_good_ones():
    tags = {
        "sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/bob", account="999999999999"),
        "sagemaker:space-arn": "arn:aws:s3:::x",
        "sagemaker:shared-space-arn": arn("space/d-gone/x"),
        "sagemaker:domain-arn": arn(f"domain/{DOMAIN}"),
    }
    out = attribute(tags, NAMES, HOME, owner_of_space)
    assert out["domain_id"] == DOMAIN and out["owner"] is None
    assert out["ownership_note"] == (
        "sagemaker:user-profile-arn names account 999999999999 in us-east-1, not this account "
        "and region: not counted; sagemaker:space-arn is not a SageMaker ARN; "
        "sagemaker:shared-space-arn names a domain that is not in this region: not counted"
    )
    no_region = attribute(
        {"sagemaker:domain-arn": f"arn:aws:sagemaker::999999999999:domain/{DOMAIN}"},
        NAMES,
        HOME,
        owner_of_space,
    )
    assert no_region["ownership_note"].startswith(
        "sagemaker:domain-arn names account 999999999999 in ?,"
    )


def test_an_ambiguous_profile_is_not_rescued_by_a_space():
    names = Names([DOMAIN], profiles=[(DOMAIN, "Ann"), (DOMAIN, "ann")],
                  spaces=[(DOMAIN, "Team-Space")])  # fmt: skip
    tags = {
        "sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/ann"),
        "sagemaker:space-arn": arn(f"space/{DOMAIN}/team-space"),
    }
    out = attribute(tags, names, HOME, owner_of_space)
    assert out["owner"] is None and out["space"] == "Team-Space"


def test_ambiguous_spaces_name_their_domain():
    names = Names([DOMAIN], spaces=[(DOMAIN, "Lab"), (DOMAIN, "lab")])
    out = attribute({"sagemaker:space-arn": arn(f"space/{DOMAIN}/LAB")}, names, HOME,
                    owner_of_space)  # fmt: skip
    assert out["ownership_note"] == (
        f"the owner tag matches spaces Lab, lab of {DOMAIN}, which differ only in case: counted "
        "as nobody's"
    )
