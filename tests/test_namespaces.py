"""Namespace names (recover.aws.namespaces): what a git ref deploys to, and the names a namespace
gives its stack, databases and workgroups, as the template spells them."""

import pytest
from recover.aws import namespaces


@pytest.mark.parametrize(("ref", "expected"), [
    ("refs/heads/main", "staging"),
    ("refs/tags/v1.2.0", "main"),
    ("refs/heads/feature/Faster-Build", "feature_faster_build"),
    ("refs/heads/etl-812", "etl_812"),
    ("refs/heads/1-fix", "b_1_fix"),
    ("refs/heads/staging", "staging_branch"),  # never the staging namespace
    ("refs/heads/Main", "main_branch"),  # never production
    ("refs/heads/x_raw", "x_raw_branch"),  # would be namespace x's raw database
    ("refs/heads/--weird__name--", "weird_name"),
])
def test_a_ref_deploys_to_its_namespace(ref, expected):
    assert namespaces.namespace_for_ref(ref) == expected


def test_long_branch_names_are_cut_and_stay_apart():
    a = namespaces.branch_namespace("feature/" + "a" * 60)
    b = namespaces.branch_namespace("feature/" + "a" * 61)
    assert a != b and len(a) <= 40 and len(b) <= 40
    assert namespaces.branch_namespace("feature/" + "a" * 60) == a  # stable


@pytest.mark.parametrize("bad", ["", "///", "refs/pull/1/merge"])
def test_refs_and_branches_without_a_namespace_are_refused(bad):
    with pytest.raises(ValueError):
        namespaces.namespace_for_ref(bad) if bad.startswith("refs/") else namespaces.branch_namespace(bad)


def test_the_names_of_a_namespace():
    assert namespaces.namespace_stack("dev", "feature_x") == "recover-dev-ns-feature-x"
    assert namespaces.shared_stack("dev") == "recover-dev-shared"
    assert namespaces.databases("x") == ["x", "x_raw", "x_staging", "x_intermediate", "x_candidate",
                                         "x_restricted", "x_restricted_candidate",
                                         "x_intermediate_candidate"]
    assert namespaces.workgroups("x") == ["recover-x", "recover-x-dbt"]


def test_the_namespace_verb_prints_the_name_alone(cli):
    assert cli("namespace", "--ref", "refs/heads/feature/x") == (0, "feature_x\n", "")
    assert cli("namespace", "--branch", "feature/x") == (0, "feature_x\n", "")
    code, out, err = cli("namespace", "--ref", "refs/pull/3/merge")
    assert (code, out) == (2, "") and err.count("\n") == 1
