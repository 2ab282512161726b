"""Names of a deployed namespace: stacks, databases, workgroups, prefixes, and the namespace a
git ref deploys to. Pure functions, no AWS calls: the deploy, teardown, backfill and CI read the
same names from here, and deploy/template.yaml spells them the same way (tests check both).

    recover-{env}-shared            the environment's shared stack (deploy/shared.yaml)
    recover-{env}-ns-{ns, _ as -}   a namespace's stack (deploy/template.yaml)
    {ns}, {ns}_raw, {ns}_staging, {ns}_intermediate, {ns}_candidate, {ns}_restricted,
    {ns}_restricted_candidate, {ns}_intermediate_candidate   its Glue databases
    recover-{ns}, recover-{ns}-dbt  its Athena workgroups (analysts', dbt's)
    s3://{input}/{ns}/, s3://{data}/{ns}/, s3://{data}/athena-results/{ns}/,
    s3://{artifacts}/{ns}/          its prefixes in the shared buckets

Git refs (the CI workflow): a branch deploys the namespace named after it, the `main` branch
deploys `staging`, and a tag deploys production, namespace `main`.
"""

from __future__ import annotations

import hashlib
import re

from recover.lake import check_identifier

PROTECTED = ("main", "staging")  # production and the staging namespace of the main branch
DATABASE_SUFFIXES = ("_raw", "_staging", "_intermediate", "_candidate", "_restricted",
                     "_restricted_candidate", "_intermediate_candidate")
MAX_NAMESPACE = 40  # the template's MaxLength: names built from it stay within AWS's limits
ENVIRONMENT_PATTERN = re.compile(r"[a-z][a-z0-9]{0,9}")
BRANCH_PREFIX = "b_"  # before a branch name that does not start with a letter
BRANCH_SUFFIX = "_branch"  # after one that would take a protected name or a database's


def check_namespace(namespace: str) -> str:
    """A namespace that can be deployed: a plain identifier of at most 40 characters whose
    databases cannot collide with another namespace's (`x_raw` would be `x`'s raw database)."""
    check_identifier("namespace", namespace)
    if len(namespace) > MAX_NAMESPACE:
        raise ValueError(f"namespace {namespace!r} is longer than {MAX_NAMESPACE} characters")
    if namespace.endswith(DATABASE_SUFFIXES):
        raise ValueError(f"namespace {namespace!r} ends like another namespace's database "
                         f"({', '.join(DATABASE_SUFFIXES)})")
    return namespace


def check_environment(environment: str) -> str:
    if not ENVIRONMENT_PATTERN.fullmatch(environment or ""):
        raise ValueError(f"environment {environment!r} is not [a-z][a-z0-9]{{0,9}}")
    return environment


def shared_stack(environment: str) -> str:
    return f"recover-{environment}-shared"


def namespace_stack(environment: str, namespace: str) -> str:
    return f"recover-{environment}-ns-{namespace.replace('_', '-')}"


def databases(namespace: str) -> list[str]:
    """Every Glue database of a namespace: curated, then the helpers."""
    return [namespace, *(namespace + suffix for suffix in DATABASE_SUFFIXES)]


def workgroups(namespace: str) -> list[str]:
    return [f"recover-{namespace}", f"recover-{namespace}-dbt"]


def policies(namespace: str) -> list[str]:
    """The managed policies the stack offers for people: analysts', and restricted readers'."""
    return [f"recover-{namespace}-analysts", f"recover-{namespace}-restricted-readers"]


def build_project(namespace: str) -> str:
    return f"recover-build-{namespace}"


def data_prefixes(namespace: str) -> list[str]:
    """The namespace's key prefixes in the data bucket (lake, and Athena's query results)."""
    return [f"{namespace}/", f"athena-results/{namespace}/"]


def branch_namespace(branch: str) -> str:
    """The namespace of a git branch: lower case, anything but [a-z0-9] as `_` (runs of them
    collapsed), `b_` in front when that does not start with a letter, `_branch` after when it
    would be a protected namespace or end like a database (`staging` -> `staging_branch`), cut
    to 40 characters with a hash of the branch name when longer (two long branches stay apart)."""
    name = re.sub(r"[^a-z0-9]+", "_", branch.strip().lower()).strip("_")
    if not name:
        raise ValueError(f"branch {branch!r} gives no namespace")
    if not name[0].isalpha():
        name = BRANCH_PREFIX + name
    if len(name) > MAX_NAMESPACE:
        digest = hashlib.sha256(branch.encode()).hexdigest()[:8]
        name = f"{name[:MAX_NAMESPACE - 9].rstrip('_')}_{digest}"
    if name in PROTECTED or name.endswith(DATABASE_SUFFIXES):
        name = name[:MAX_NAMESPACE - len(BRANCH_SUFFIX)] + BRANCH_SUFFIX
    return check_namespace(name)


def namespace_for_ref(ref: str) -> str:
    """The namespace a push of `ref` deploys: refs/tags/* -> main (production),
    refs/heads/main -> staging, refs/heads/{branch} -> branch_namespace(branch)."""
    if ref.startswith("refs/tags/"):
        return "main"
    if ref == "refs/heads/main":
        return "staging"
    if ref.startswith("refs/heads/"):
        return branch_namespace(ref[len("refs/heads/"):])
    raise ValueError(f"ref {ref!r} is neither refs/heads/... nor refs/tags/...")
