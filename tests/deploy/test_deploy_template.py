"""template.yml and s.yaml name only things that exist, and grant exactly what the code needs."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from deploy_files import ROOT, fun_events, fun_functions, fun_services, load_entry_module, s_functions

from playgate.decode.engine import PROBE_TIMEOUT_S
from playgate.publish.ice import ACTIONS as WRITE_BACK_ACTIONS
from playgate.settings import Settings

ALLOWED_ACTIONS = {
    "ice:GetMediaInfo",
    "ice:GetPlayInfo",
    "ice:ListMediaInfoJobs",
    "mns:SendMessage",
    "mns:PublishMessage",
}
REQUIRED_ENV = (
    "PLAYGATE_STORE",
    "PLAYGATE_PLAYBACK_SINK",
    "PLAYGATE_ALERT_SINK",
    "PLAYGATE_DEAD_LETTER_SINK",
)
LOG_DELIVERY = "log:PostLogStoreLogs"
PSEUDO_PARAMETERS = {"ALIYUN::Region", "ALIYUN::AccountId", "ALIYUN::NoValue", "ALIYUN::StackName"}
SETTING_ENV_NAMES = {"PLAYGATE_" + name.upper() for name in Settings.model_fields}
FFMPEG_LAYER = "acs:fc:{region}:official:layers/FFmpeg6x/versions/1"  # FC's official FFmpeg 6 layer
NO_VALUE = {"Ref": "ALIYUN::NoValue"}
_DEFAULTS_FIT = "its default fits a deployed function (README Settings table); set it in the console if ever"
_ROLE = "the function's role hands STS credentials to FC: no long-lived key in the environment"
_HTTP_ONLY = "read by an FC HTTP trigger's callbacks, which these files do not deploy (MNS queue trigger)"
# Settings fields the deployment files leave out on purpose; every other field is named in both files.
NOT_DEPLOYED = {
    "ice_endpoint": "the emulator's address in tests and demos; deployed, ICE's regional endpoint is used",
    "access_key_id": _ROLE,
    "access_key_secret": _ROLE,
    "security_token": _ROLE,
    "callback_auth_key": _HTTP_ONLY,
    "callback_url": _HTTP_ONLY,
    "callback_max_skew_s": _HTTP_ONLY,
    "ice_vpc": _DEFAULTS_FIT,
    "ice_timeout_s": _DEFAULTS_FIT,
    "ice_deadline_s": _DEFAULTS_FIT,
    "ice_max_attempts": _DEFAULTS_FIT,
    "auth_timeout_s": _DEFAULTS_FIT,
    "output_type": _DEFAULTS_FIT,
    "checked_event_types": _DEFAULTS_FIT,
    "completed_ttl_s": _DEFAULTS_FIT,
    "in_progress_ttl_s": _DEFAULTS_FIT,
    "in_progress_wait_s": _DEFAULTS_FIT,
    "safety_margin_s": _DEFAULTS_FIT,
    "reconcile_overlap_s": _DEFAULTS_FIT,
    "reconcile_settle_s": _DEFAULTS_FIT,
    "reconcile_initial_lookback_s": _DEFAULTS_FIT,
    "reconcile_parallelism": _DEFAULTS_FIT,
    "decode_parallel": "unset, it is counted from the function's cores and memory (docs/decode.md)",
}
GATE_ONLY = {"PLAYGATE_CALLBACK_ALLOW_UNSIGNED"}  # the reconciler takes no callbacks
RECONCILE_ONLY = {"PLAYGATE_RECONCILE_MAX_QPS"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _entry_points(functions: dict[str, dict[str, Any]], *, fc3: bool) -> list[tuple[str, str, str]]:
    """(function, code folder, "module.attribute") for every handler and initializer."""
    points = []
    for name, props in functions.items():
        code = props["code"] if fc3 else props["CodeUri"]
        points.append((name, code, props["handler"] if fc3 else props["Handler"]))
        if fc3:
            points.append((name, code, props["instanceLifecycleConfig"]["initializer"]["handler"]))
        else:
            points.append((name, code, props["Initializer"]))
    return points


def _statements(
    policy_documents: list[Any], conditions: dict[str, bool] | None = None
) -> list[dict[str, Any]]:
    """The statements as ROS leaves them once each Fn::If is decided (every condition false by default)."""
    found = [s for doc in policy_documents if isinstance(doc, dict) for s in doc["Statement"]]
    return [_resolve(s, conditions or {}) for s in found if _resolve(s, conditions or {}) is not NO_VALUE]


def _resolve(node: Any, conditions: dict[str, bool]) -> Any:
    """Fn::If by ``conditions`` (absent = false), ALIYUN::NoValue dropped from lists, Fn::Join joined, an
    Fn::Sub as its template text."""
    if isinstance(node, list):
        return [item for item in (_resolve(i, conditions) for i in node) if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if node == NO_VALUE:
        return NO_VALUE
    if "Fn::If" in node:
        name, when_true, when_false = node["Fn::If"]
        return _resolve(when_true if conditions.get(name, False) else when_false, conditions)
    if "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(_resolve(parts, conditions))
    if "Fn::Sub" in node:
        return node["Fn::Sub"]
    return {key: _resolve(value, conditions) for key, value in node.items()}


def _conditions(template: dict[str, Any], **parameters: str) -> dict[str, bool]:
    """The template's Conditions for these parameter values (the others at their defaults)."""
    values = {name: p.get("Default") for name, p in template["Parameters"].items()} | parameters

    def value(node: Any) -> Any:
        return values[node["Ref"]] if isinstance(node, dict) and "Ref" in node else node

    def truth(node: dict[str, Any]) -> bool:
        ((function, args),) = node.items()
        if function == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if function == "Fn::Not":
            return not truth(args[0] if isinstance(args, list) else args)
        if function == "Fn::Or":
            return any(truth(a) for a in args)
        raise AssertionError(f"the test does not evaluate {function}")

    return {name: truth(node) for name, node in template["Conditions"].items()}


def _ice_sinks(sink_setting: str) -> set[str]:
    return {url.removeprefix("ice://") for url in sink_setting.split(",") if url.startswith("ice://")}


def _rendered(value: Any) -> str:
    """A resource ARN as text, with every ${Parameter} of an Fn::Sub template filled in with a sample."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return re.sub(r"\$\{[^}]+\}", "sample", text)


# --- handlers, initializers, code ---------------------------------------------------------------------
def test_both_files_deploy_the_gate_and_the_reconciler(template, s_config):
    assert set(fun_functions(template)) == {"qc-gate", "reconcile"}
    assert set(s_functions(s_config)) == {"qc-gate", "reconcile"}


@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_every_handler_and_initializer_named_is_a_callable_of_its_index_module(source, template, s_config):
    fc3 = source == "s.yaml"
    functions = s_functions(s_config) if fc3 else fun_functions(template)
    points = _entry_points(functions, fc3=fc3)
    assert len(points) == 4
    for function, code, entry in points:
        module_name, _, attribute = entry.partition(".")
        assert module_name == "index", f"{source}: {function} must point into index.py, not {entry}"
        module = load_entry_module(code)
        message = f"{source}: {function} names {entry}, which {code}/index.py does not provide"
        assert callable(getattr(module, attribute, None)), message


def test_every_code_path_is_a_folder_with_index_py(template, s_config):
    paths = [p["CodeUri"] for p in fun_functions(template).values()]
    paths += [p["code"] for p in s_functions(s_config).values()]
    for path in paths:
        assert (ROOT / path / "index.py").is_file(), f"code path {path} has no index.py"


def test_runtimes_are_the_supported_python_versions(template, s_config):
    assert {p["Runtime"] for p in fun_functions(template).values()} == {"python3.10"}
    assert {p["runtime"] for p in s_functions(s_config).values()} == {"python3.12"}


def test_every_function_uses_the_dependency_layer(template, s_config):
    for name, props in fun_functions(template).items():
        assert props["Layers"][0] == {"Ref": "LayerArn"}, name
    for name, props in s_functions(s_config).items():
        assert props["layers"] == ["${env('PLAYGATE_LAYER_ARN')}"], name
    assert (ROOT / "layers" / "build.sh").is_file()


def test_the_ffmpeg_layer_is_attached_when_decoding_and_offered_in_s_yaml(template):
    for name, props in fun_functions(template).items():
        assert props["Layers"][1:] == [
            {"Fn::If": ["Decodes", {"Fn::Sub": FFMPEG_LAYER.format(region="${ALIYUN::Region}")}, NO_VALUE]}
        ], name
    decodes = template["Conditions"]["Decodes"]["Fn::Or"]
    assert {"Fn::Equals": ["decode", {"Ref": "Probe"}]} in decodes  # PLAYGATE_PROBE=decode brings ffmpeg
    assert "decode" in template["Parameters"]["Probe"]["AllowedValues"]
    # Serverless Devs has no conditions: the layer line is there to uncomment, once per function.
    commented = "# - " + FFMPEG_LAYER.format(region="${vars.region}")
    assert (ROOT / "s.yaml").read_text(encoding="utf-8").count(commented) == 2


# --- settings ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_every_playgate_variable_set_is_a_settings_field(source, template, s_config):
    if source == "s.yaml":
        environments = [p["environmentVariables"] for p in s_functions(s_config).values()]
    else:
        environments = [p["EnvironmentVariables"] for p in fun_functions(template).values()]
    for environment in environments:
        names = {n for n in environment if n.startswith("PLAYGATE_")}
        assert names == set(environment), f"{source}: only PLAYGATE_* variables are expected"
        unknown = sorted(names - SETTING_ENV_NAMES)
        assert not unknown, f"{source}: not settings fields: {unknown}"
        for required in REQUIRED_ENV:
            assert required in names, f"{source}: {required} is not set"


@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_every_setting_an_operator_sets_in_production_is_named_in_both_functions(source, template, s_config):
    key = "environmentVariables" if source == "s.yaml" else "EnvironmentVariables"
    functions = s_functions(s_config) if source == "s.yaml" else fun_functions(template)
    gate, reconcile = (set(functions[name][key]) for name in ("qc-gate", "reconcile"))
    assert set(NOT_DEPLOYED) <= set(Settings.model_fields), "NOT_DEPLOYED names a field that is gone"
    operator = {"PLAYGATE_" + name.upper() for name in Settings.model_fields if name not in NOT_DEPLOYED}
    missing = sorted(operator - gate - reconcile)
    assert not missing, f"{source}: name these (or list them in NOT_DEPLOYED with a reason): {missing}"
    # the reconciler gates jobs too: it reads the gate's settings, except the callback one
    assert gate - GATE_ONLY == reconcile - RECONCILE_ONLY, f"{source}: {sorted(gate ^ reconcile)}"


def test_sinks_are_the_named_mns_queues_and_topic(template, s_config):
    off = _conditions(template)
    for props in fun_functions(template).values():
        env = _resolve(props["EnvironmentVariables"], off)
        assert env["PLAYGATE_PLAYBACK_SINK"] == "mns-queue://${PlaybackQueueName}"
        assert env["PLAYGATE_ALERT_SINK"] == "mns-topic://${AlertTopicName}"
        assert env["PLAYGATE_DEAD_LETTER_SINK"] == "mns-queue://${DeadLetterQueueName}"
        assert env["PLAYGATE_STORE"] == {"Ref": "StoreUrl"}
    for props in s_functions(s_config).values():
        env = props["environmentVariables"]
        assert env["PLAYGATE_PLAYBACK_SINK"] == "mns-queue://${vars.playbackQueue}${vars.iceWriteback}"
        assert env["PLAYGATE_ALERT_SINK"] == "mns-topic://${vars.alertTopic}${vars.iceWriteback}"
        assert env["PLAYGATE_DEAD_LETTER_SINK"] == "mns-queue://${vars.deadLetterQueue}"


def test_store_is_a_parameter_that_cannot_default_to_a_per_instance_file(template):
    store = template["Parameters"]["StoreUrl"]
    assert "Default" not in store
    assert store["NoEcho"] is True
    assert re.match(store["AllowedPattern"], "redis://:secret@r-bp1.redis.rds.aliyuncs.com:6379/0")
    assert not re.match(store["AllowedPattern"], "memory://")


def test_every_ref_and_substitution_names_a_parameter(template):
    known = set(template["Parameters"]) | PSEUDO_PARAMETERS | set(template.get("Conditions", {}))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref":
                    assert value in known, f"Ref to unknown {value}"
                elif key == "Fn::Sub":
                    for name in re.findall(r"\$\{([^}]+)\}", value):
                        assert name in known, f"Fn::Sub names unknown {name} in {value}"
                elif key == "Fn::If":
                    assert value[0] in known, f"Fn::If on unknown condition {value[0]}"
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template["Resources"])


# --- RAM -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_role_policy_allows_exactly_the_five_actions_on_named_resources(source, template, s_config):
    if source == "s.yaml":
        statements = _statements([s_config["vars"]["rolePolicy"]])
    else:
        (service,) = fun_services(template)
        statements = _statements(_as_list(service["Policies"]))
    assert all(s["Effect"] == "Allow" for s in statements)
    code_statements = [s for s in statements if _as_list(s["Action"]) != [LOG_DELIVERY]]
    actions = [a for s in code_statements for a in _as_list(s["Action"])]
    assert set(actions) == ALLOWED_ACTIONS, f"{source}: {actions}"
    for statement in code_statements:
        resources = [_rendered(r) for r in _as_list(statement["Resource"])]
        if all(a.startswith("ice:") for a in _as_list(statement["Action"])):
            assert resources == ["*"]  # ICE authorizes at operation level only
            continue
        kind = "queues" if statement["Action"] == ["mns:SendMessage"] else "topics"
        for resource in resources:
            assert re.fullmatch(rf"acs:mns:[^:*]+:[^:*]+:/{kind}/[^/*]+/messages", resource), resource


@pytest.mark.parametrize("switches", list(itertools.product(["off", "on"], repeat=3)))
def test_the_role_gains_only_the_ice_actions_of_the_write_back_sinks_that_are_on(template, switches):
    block, tag, marks = switches
    conditions = _conditions(template, IceBlock=block, IceTag=tag, IceMarks=marks)
    (service,) = fun_services(template)
    granted = {
        a for s in _statements(_as_list(service["Policies"]), conditions) for a in _as_list(s["Action"])
    }
    for name, props in fun_functions(template).items():
        env = _resolve(props["EnvironmentVariables"], conditions)
        kinds = _ice_sinks(env["PLAYGATE_ALERT_SINK"])
        assert kinds == _ice_sinks(env["PLAYGATE_PLAYBACK_SINK"]), name  # a pass undoes what a failure did
        assert kinds == {k for k, on in zip(("block", "tag", "marks"), switches, strict=True) if on == "on"}
        needed = ALLOWED_ACTIONS | {a for k in kinds for a in WRITE_BACK_ACTIONS[k]}
        assert granted - {LOG_DELIVERY} == needed, f"{name} with {switches}"


def test_s_yaml_grants_the_ice_actions_of_the_write_back_sinks_it_configures(s_config):
    kinds = _ice_sinks(s_config["vars"]["iceWriteback"])
    assert kinds <= set(WRITE_BACK_ACTIONS)
    statements = _statements([s_config["vars"]["rolePolicy"]])
    granted = {a for s in statements for a in _as_list(s["Action"]) if a.startswith("ice:")}
    assert granted == {a for a in ALLOWED_ACTIONS if a.startswith("ice:")} | {
        a for k in kinds for a in WRITE_BACK_ACTIONS[k]
    }


@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_log_delivery_is_the_only_other_grant_and_names_one_logstore(source, template, s_config):
    if source == "s.yaml":
        statements = _statements([s_config["vars"]["rolePolicy"]])
    else:
        (service,) = fun_services(template)
        statements = _statements(_as_list(service["Policies"]))
    log_statements = [s for s in statements if _as_list(s["Action"]) == [LOG_DELIVERY]]
    assert len(log_statements) == 1
    (resource,) = [_rendered(r) for r in _as_list(log_statements[0]["Resource"])]
    assert re.fullmatch(r"acs:log:[^:*]+:[^:*]+:project/[^/*]+/logstore/[^/*]+", resource), resource


def test_service_has_no_managed_policies(template):
    (service,) = fun_services(template)
    assert all(isinstance(p, dict) for p in _as_list(service["Policies"])), "no AliyunXxxFullAccess"
    assert "Role" not in service


# --- triggers and failure destinations -----------------------------------------------------------------
def test_ice_callback_queue_parameter_keeps_the_prefix_ice_requires(template):
    parameter = template["Parameters"]["IceCallbackQueueName"]
    assert parameter["Default"].startswith("ice-callback")
    assert re.match(parameter["AllowedPattern"], "ice-callback-prod")
    assert not re.match(parameter["AllowedPattern"], "playgate-callbacks")


def test_s_yaml_triggers_the_gate_from_the_ice_callback_queue_through_eventbridge(s_config):
    (trigger,) = s_functions(s_config)["qc-gate"]["triggers"]
    assert trigger["triggerType"] == "eventbridge"
    config = trigger["triggerConfig"]
    assert config["triggerEnable"] is True
    assert config["asyncInvocationType"] is True  # so that asyncInvokeConfig's retries and destination apply
    source = config["eventSourceConfig"]
    assert source["eventSourceType"] == "MNS"
    parameters = source["eventSourceParameters"]["sourceMNSParameters"]
    assert parameters == {"QueueName": "${vars.iceCallbackQueue}", "IsBase64Decode": True}
    assert s_config["vars"]["iceCallbackQueue"].startswith("ice-callback")


def test_reconciler_runs_on_a_configurable_timer(template, s_config):
    (event,) = fun_events(template, "reconcile").values()
    assert event["Type"] == "Timer"
    assert event["Properties"]["CronExpression"] == {"Ref": "ReconcileSchedule"}
    assert template["Parameters"]["ReconcileSchedule"]["Default"] == "@every 5m"
    (trigger,) = s_functions(s_config)["reconcile"]["triggers"]
    assert trigger["triggerType"] == "timer"
    assert trigger["triggerConfig"]["cronExpression"] == "${vars.reconcileSchedule}"


def test_failed_async_invocations_go_to_the_dead_letter_queue(template, s_config):
    expected = "acs:mns:${ALIYUN::Region}:${AccountId}:/queues/${DeadLetterQueueName}/messages"
    for name, props in fun_functions(template).items():
        assert props["AsyncConfiguration"]["Destination"]["OnFailure"] == {"Fn::Sub": expected}, name
    expected_fc3 = "acs:mns:${vars.region}:${config('AccountID')}:/queues/${vars.deadLetterQueue}/messages"
    for name, props in s_functions(s_config).items():
        destination = props["asyncInvokeConfig"]["destinationConfig"]["onFailure"]["destination"]
        assert destination == expected_fc3, name


def test_dead_letter_queue_is_also_granted_to_the_role(template):
    (service,) = fun_services(template)
    statements = _statements(_as_list(service["Policies"]))
    sent_to = [r for s in statements if s["Action"] == ["mns:SendMessage"] for r in _as_list(s["Resource"])]
    destination = fun_functions(template)["qc-gate"]["AsyncConfiguration"]["Destination"]["OnFailure"]
    assert _resolve(destination, {}) in sent_to


def test_initializer_and_handler_timeouts_fit_the_work(template, s_config):
    for props in fun_functions(template).values():
        assert props["InitializationTimeout"] >= 10
        assert props["MemorySize"] >= 256
    gate, reconcile = fun_functions(template)["qc-gate"], fun_functions(template)["reconcile"]
    settings = Settings()
    # one ICE call with its retries, then the default two renditions (at most ffprobe, then ffmpeg, each)
    decode_s = 2 * (PROBE_TIMEOUT_S + float(template["Parameters"]["DecodeTimeoutS"]["Default"]))
    assert gate["Timeout"] >= settings.ice_deadline_s + decode_s + settings.safety_margin_s
    assert s_functions(s_config)["qc-gate"]["timeout"] == gate["Timeout"]
    assert float(s_config["vars"]["decodeTimeoutS"]) == settings.decode_timeout_s
    assert float(template["Parameters"]["DecodeTimeoutS"]["Default"]) == settings.decode_timeout_s
    assert reconcile["Timeout"] >= 300
    for props in s_functions(s_config).values():
        assert props["instanceLifecycleConfig"]["initializer"]["timeout"] >= 10
