"""template.yml and s.yaml held to the rules their own tools apply, stated here in our words.

Where each rule comes from (read there, not copied): funcraft's template schema
(src/lib/language-service/schema/rosSchema.ts, applied by `fun validate` and Fun's deploy) and the fc3
component's props schema (devsapp/fc3 src/schema.json, applied by `s deploy`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from deploy_files import ROOT, fun_events, fun_function_resources, s_functions

# Fun: a function resource has Type, Properties and Events (triggers beside Properties, never inside).
FUN_FUNCTION_KEYS = {"Type", "Properties", "Events"}
FUN_FUNCTION_PROPERTIES = {
    "AsyncConfiguration", "CAPort", "CodeUri", "Description", "EnvironmentVariables", "Handler",
    "InitializationTimeout", "Initializer", "InstanceConcurrency", "InstanceLifecycleConfig", "InstanceType",
    "Layers", "MemorySize", "Runtime", "Timeout",
}  # fmt: skip
# Fun's runtimes stop at python3 (Python 3.6), too old for playgate: the template takes the ROS path.
FUN_PYTHON_RUNTIMES = {"python2.7", "python3"}
# fc3: required props, the Python runtimes it accepts, and the props that must be whole numbers.
FC3_REQUIRED = {"functionName", "region", "runtime"}
FC3_PYTHON_RUNTIMES = {"python2.7", "python3", "python3.9", "python3.10", "python3.12"}
FC3_INTEGERS = {"memorySize", "timeout", "instanceConcurrency"}


def fun_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for name, resource in fun_function_resources(template).items():
        problems += [f"{name}/{key}: Fun does not read it" for key in set(resource) - FUN_FUNCTION_KEYS]
        unknown = set(resource.get("Properties", {})) - FUN_FUNCTION_PROPERTIES
        problems += [f"{name}/Properties/{key}: not a function property for Fun" for key in sorted(unknown)]
    return sorted(problems)


def fc3_problems(props: dict[str, Any]) -> list[str]:
    problems = [f"{key}: required" for key in sorted(FC3_REQUIRED - set(props))]
    if props.get("runtime") not in FC3_PYTHON_RUNTIMES:
        problems.append(f"runtime: {props.get('runtime')!r} is not a runtime fc3 accepts")
    problems += [
        f"{key}: {props[key]!r} is not an integer"
        for key in sorted(FC3_INTEGERS & set(props))
        if not isinstance(props[key], int) or isinstance(props[key], bool)
    ]
    return problems


def test_the_template_uses_only_what_fun_reads(template):
    assert fun_problems(template) == []


def test_a_trigger_inside_properties_is_caught(template):
    """The defect this guards against: a timer under Properties is never created."""
    wrong = copy.deepcopy(template)
    reconcile = fun_function_resources(wrong)["reconcile"]
    reconcile["Properties"]["Events"] = reconcile.pop("Events")
    assert fun_problems(wrong) == ["reconcile/Properties/Events: not a function property for Fun"]


def test_the_runtime_is_not_funs_so_the_template_takes_the_ros_path(template):
    runtimes = {r["Properties"]["Runtime"] for r in fun_function_resources(template).values()}
    assert runtimes == {"python3.10"} and not runtimes & FUN_PYTHON_RUNTIMES
    assert template["Transform"] == "Aliyun::Serverless-2018-04-03"
    header = (ROOT / "template.yml").read_text(encoding="utf-8").split("ROSTemplateFormatVersion")[0]
    assert "--use-ros" in header and "fun package" in header


def test_the_reconciler_timer_is_where_fun_reads_triggers(template):
    assert "Events" not in fun_function_resources(template)["reconcile"]["Properties"]
    (sweep,) = fun_events(template, "reconcile").values()
    assert sweep["Type"] == "Timer"
    assert sweep["Properties"]["CronExpression"] == {"Ref": "ReconcileSchedule"}


# --- s.yaml and the fc3 component --------------------------------------------------------------
SAMPLE_ENV = {
    "PLAYGATE_ROLE_ARN": "acs:ram::1234567890:role/playgate",
    "PLAYGATE_LAYER_ARN": "acs:fc:cn-shanghai:1234567890:layers/playgate-deps/versions/1",
    "PLAYGATE_STORE": "redis://r-example.redis.rds.aliyuncs.com:6379/0",
    "PLAYGATE_LOG_PROJECT": "playgate-logs",
    "PLAYGATE_LOG_STORE": "functions",
}


def _render(value: Any, variables: dict[str, Any]) -> Any:
    """Serverless Devs' magic variables as `s preview` fills them: ${vars.x}, ${env('X')}, ${config('…')}."""
    if isinstance(value, dict):
        return {k: _render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, variables) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression.startswith("vars."):
            return str(variables[expression.removeprefix("vars.")])
        name = re.fullmatch(r"(env|config)\('([^']+)'\)", expression)
        assert name, f"s.yaml uses ${{{expression}}}, which this test cannot render"
        return SAMPLE_ENV[name.group(2)] if name.group(1) == "env" else "1234567890"

    return re.sub(r"\$\{([^}]+)\}", one, value)


@pytest.mark.parametrize("function", ["qc-gate", "reconcile"])
def test_s_yaml_props_meet_the_fc3_components_rules(s_config, function):
    assert fc3_problems(_render(s_functions(s_config)[function], s_config["vars"])) == []


def test_a_wrong_fc3_prop_is_caught(s_config):
    props = _render(s_functions(s_config)["qc-gate"], s_config["vars"])
    props["runtime"] = "python3.13"
    props["memorySize"] = "512"
    assert fc3_problems(props) == [
        "runtime: 'python3.13' is not a runtime fc3 accepts",
        "memorySize: '512' is not an integer",
    ]


def test_every_s_yaml_magic_variable_is_one_the_readme_says_to_set(s_config):
    text = (ROOT / "s.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{env\('([^']+)'\)\}", text))
    assert used == set(SAMPLE_ENV)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "s preview" in readme
    for name in used:
        assert name in readme, f"README does not say to set {name} before `s preview`"


def test_s_yaml_role_policy_names_the_queues_region_and_account_from_the_vars(s_config):
    """Serverless Devs fills magic variables inside vars too (parse-spec compiles every top-level key
    but resources with ``vars`` in scope), so the policy follows the vars a user edits."""
    variables = {**s_config["vars"], "region": "cn-beijing", "playbackQueue": "pb", "deadLetterQueue": "dl"}
    variables["alertTopic"] = "al"
    policy = _render(s_config["vars"]["rolePolicy"], variables)
    resources = [r for statement in policy["Statement"] for r in statement["Resource"] if r != "*"]
    assert resources == [
        "acs:mns:cn-beijing:1234567890:/queues/pb/messages",
        "acs:mns:cn-beijing:1234567890:/queues/dl/messages",
        "acs:mns:cn-beijing:1234567890:/topics/al/messages",
        "acs:log:cn-beijing:1234567890:project/playgate-logs/logstore/functions",
    ]
