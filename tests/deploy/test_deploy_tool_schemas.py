"""template.yml and s.yaml checked against the schemas their own tools apply.

The schemas are data copied from the tools (tests/deploy/fixtures/, source repository, commit and path
inside each file): funcraft's template schema, which `fun validate` and Fun's API deploy apply, and the
fc3 component's props schema, which `s deploy` checks each function's props against.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from deploy_files import ROOT, fun_events, fun_function_resources, s_functions
from jsonschema import Draft4Validator, Draft7Validator, ValidationError, validators

FIXTURES = Path(__file__).parent / "fixtures"
# funcraft src/lib/language-service/model/customTag.ts: the keys Fun reads as intrinsic functions.
INTRINSICS = {
    "Ref", "Fn::Str", "Fn::Base64Encode", "Fn::Base64Decode", "Fn::FindInMap", "Fn::GetAtt", "Fn::Join",
    "Fn::Select", "Fn::Sub", "Fn::GetAZs", "Fn::Replace", "Fn::Split", "Fn::Equals", "Fn::And", "Fn::Or",
    "Fn::Not", "Fn::If", "Fn::ListMerge", "Fn::GetJsonValue", "Fn::MergeMapToList", "Fn::Avg",
    "Fn::SelectMapList", "Fn::Add", "Fn::Calculate",
}  # fmt: skip


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["schema"]


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSICS


def _fun_type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """Fun's rule (objectASTNode.validate): a one-key intrinsic function stands for a string."""
    if types == "string" and _is_intrinsic(instance):
        return
    yield from Draft4Validator.VALIDATORS["type"](validator, types, instance, schema)


# The schema declares draft-04 ("$id" is then an ordinary word, so "#/definitions/…" refs stay local).
FunValidator = validators.extend(Draft4Validator, {"type": _fun_type})


def fun_problems(template: dict[str, Any]) -> list[str]:
    validator = FunValidator(_fixture("funcraft-template-schema.json"))
    leaves = [leaf for error in validator.iter_errors(template) for leaf in _leaves(error)]
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in leaves)


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors of the branch of an anyOf / oneOf that came closest: the deepest, then the fewest."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    closest = max(branches.values(), key=lambda es: (max(len(e.absolute_path) for e in es), -len(es)))
    return [leaf for sub in closest for leaf in _leaves(sub)]


def _with_runtime(template: dict[str, Any], runtime: str) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    for resource in fun_function_resources(changed).values():
        resource["Properties"]["Runtime"] = runtime
    return changed


def test_fun_runtime_list_has_no_python3_10_so_the_template_takes_the_ros_path(template):
    schema = _fixture("funcraft-template-schema.json")
    function = schema["definitions"]["Aliyun::Serverless::Function"]["properties"]["Properties"]
    enum = function["oneOf"][1]["properties"]["Runtime"]["enum"]  # the branch for code packages
    assert "python3.10" not in enum and "python3" in enum  # python3 is 3.6: too old for playgate
    assert fun_problems(template) == [
        f"Resources/playgate/{name}/Properties/Runtime: 'python3.10' is not one of {enum!r}"
        for name in ("qc-gate", "reconcile")
    ]
    # ROS, not Fun, reads this template: the transform is declared and the instructions deploy with --use-ros.
    assert template["Transform"] == "Aliyun::Serverless-2018-04-03"
    header = (ROOT / "template.yml").read_text(encoding="utf-8").split("ROSTemplateFormatVersion")[0]
    assert "--use-ros" in header and "fun package" in header


def test_everything_but_the_runtime_conforms_to_funs_template_schema(template):
    assert fun_problems(_with_runtime(template, "python3")) == []


def test_funs_schema_rejects_triggers_inside_properties(template):
    """The defect this guards against: a timer under Properties is never created."""
    wrong = _with_runtime(template, "python3")
    reconcile = fun_function_resources(wrong)["reconcile"]
    reconcile["Properties"]["Events"] = reconcile.pop("Events")
    problems = fun_problems(wrong)
    assert problems and all("reconcile/Properties" in p for p in problems), problems


def test_the_reconciler_timer_is_where_fun_reads_triggers(template):
    assert "Events" not in fun_function_resources(template)["reconcile"]["Properties"]
    (sweep,) = fun_events(template, "reconcile").values()
    assert sweep["Type"] == "Timer"
    assert sweep["Properties"]["CronExpression"] == {"Ref": "ReconcileSchedule"}


# --- s.yaml against the fc3 component --------------------------------------------------------------
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
def test_s_yaml_props_are_valid_for_the_fc3_component(s_config, function):
    validator = Draft7Validator(_fixture("fc3-props-schema.json"))
    props = _render(s_functions(s_config)[function], s_config["vars"])
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(props)]
    assert problems == []


def test_fc3_schema_catches_a_wrong_prop(s_config):
    validator = Draft7Validator(_fixture("fc3-props-schema.json"))
    props = _render(s_functions(s_config)["qc-gate"], s_config["vars"])
    props["runtime"] = "python3.13"
    props["memorySize"] = "512"
    paths = sorted("/".join(map(str, e.absolute_path)) for e in validator.iter_errors(props))
    assert paths == ["memorySize", "runtime"]


def test_fc3_accepts_the_runtimes_s_yaml_uses(s_config):
    runtimes = _fixture("fc3-props-schema.json")["definitions"]["IRuntime"]["enum"]
    assert {p["runtime"] for p in s_functions(s_config).values()} <= set(runtimes)


def test_every_s_yaml_magic_variable_is_one_the_readme_says_to_set(s_config):
    text = (ROOT / "s.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{env\('([^']+)'\)\}", text))
    assert used == set(SAMPLE_ENV)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "s preview" in readme
    for name in used:
        assert name in readme, f"README does not say to set {name} before `s preview`"
