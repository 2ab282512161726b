"""CloudFormation stacks: create or update one and wait, read its outputs, delete it.

A failed create leaves a stack in ROLLBACK_COMPLETE, which can only be deleted: deploy() deletes
it and creates it again. Failures raise StackError with the first failed resource's reason, so
the CLI prints one line that says what went wrong.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, WaiterError

WAIT = {"Delay": 10, "MaxAttempts": 360}  # up to an hour
RECREATE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED"}
NO_UPDATES = "No updates are to be performed"


class StackError(Exception):
    """A stack could not be deployed or deleted; the message says why."""


def describe(cfn: Any, name: str) -> dict | None:
    """The stack, or None when there is none (deleted stacks do not count)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def outputs(cfn: Any, name: str) -> dict[str, str] | None:
    stack = describe(cfn, name)
    if stack is None:
        return None
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def parameters(stack: dict | None) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in (stack or {}).get("Parameters", [])}


def failure_reason(cfn: Any, name: str) -> str:
    """The first (oldest) failed resource of the stack's latest operation, as one line."""
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except ClientError as exc:
        return str(exc)
    failed = [e for e in events if e.get("ResourceStatus", "").endswith("_FAILED")
              and e.get("LogicalResourceId") != name]
    if not failed:
        return "no failed resource reported"
    first = failed[-1]
    return f"{first.get('LogicalResourceId')} ({first.get('ResourceType')}): " \
           f"{first.get('ResourceStatusReason', first['ResourceStatus'])}"


def _wait(cfn: Any, waiter: str, name: str) -> None:
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=WAIT)
    except WaiterError:
        raise StackError(f"stack {name}: {failure_reason(cfn, name)}") from None


def deploy(cfn: Any, name: str, template_body: str, parameters: dict[str, str | None],
           tags: dict[str, str], capabilities: tuple[str, ...] = ()) -> str:
    """Create or update `name`; `None` values keep the stack's previous value. Returns
    "created", "updated" or "unchanged"."""
    stack = describe(cfn, name)
    if stack is not None and stack["StackStatus"] in RECREATE:
        delete(cfn, name)
        stack = None
    params = [{"ParameterKey": k, "UsePreviousValue": True} if v is None and stack is not None
              else {"ParameterKey": k, "ParameterValue": v}
              for k, v in parameters.items() if v is not None or stack is not None]
    common = {"StackName": name, "TemplateBody": template_body, "Parameters": params,
              "Capabilities": list(capabilities),
              "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    try:
        if stack is None:
            cfn.create_stack(**common)
            _wait(cfn, "stack_create_complete", name)
            return "created"
        cfn.update_stack(**common)
    except ClientError as exc:
        if NO_UPDATES in str(exc):
            return "unchanged"
        raise StackError(f"stack {name}: {exc.response.get('Error', {}).get('Message', exc)}") from None
    _wait(cfn, "stack_update_complete", name)
    return "updated"


def delete(cfn: Any, name: str) -> bool:
    """Delete the stack and wait; False when there was none."""
    if describe(cfn, name) is None:
        return False
    cfn.delete_stack(StackName=name)
    _wait(cfn, "stack_delete_complete", name)
    return True
