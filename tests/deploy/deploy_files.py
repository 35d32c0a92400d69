"""Reading the deployment files: template.yml (Fun / ROS) and s.yaml (Serverless Devs, fc3)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that also reads ROS short forms: ``!Ref X`` -> {"Ref": X}, ``!Sub s`` -> {"Fn::Sub": s}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_yaml(name: str) -> dict[str, Any]:
    return yaml.load((ROOT / name).read_text(encoding="utf-8"), Loader=_TemplateLoader)


def fun_function_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Aliyun::Serverless::Function resource (Type, Properties, Events), nested under its service."""
    found = {}
    for service in template["Resources"].values():
        if service.get("Type") != "Aliyun::Serverless::Service":
            continue
        for name, resource in service.items():
            if isinstance(resource, dict) and resource.get("Type") == "Aliyun::Serverless::Function":
                found[name] = resource
    return found


def fun_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Properties of every function, by name."""
    return {name: r["Properties"] for name, r in fun_function_resources(template).items()}


def fun_events(template: dict[str, Any], function: str) -> dict[str, dict[str, Any]]:
    """A function's triggers where Fun reads them: ``Events`` beside ``Properties``, not inside it."""
    return fun_function_resources(template)[function].get("Events", {})


def fun_services(template: dict[str, Any]) -> list[dict[str, Any]]:
    resources = template["Resources"].values()
    return [r["Properties"] for r in resources if r.get("Type") == "Aliyun::Serverless::Service"]


def s_functions(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["props"] for name, r in config["resources"].items() if r.get("component") == "fc3"}


def load_entry_module(code_dir: str) -> ModuleType:
    """Import functions/<x>/index.py by path, as FC does with the code folder as working directory."""
    path = ROOT / code_dir / "index.py"
    name = "fc_entry_" + path.parent.name
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"{path} cannot be imported"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
