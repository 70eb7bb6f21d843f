"""Packages whose public names are imported on first use (PEP 562), so that importing the package stays fast;
``planner`` and ``planner.studies`` use it."""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from importlib import import_module


def lazy_names(package: str, homes: Mapping[str, str]) -> None:
    """Make ``package`` import each public name in ``homes`` (name -> home module) on first use."""
    homes = dict(homes)

    class LazyPackage(types.ModuleType):
        def __getattr__(self, name: str):
            if name in homes:
                value = getattr(import_module(homes[name]), name)
                self.__dict__[name] = value
                return value
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        def __dir__(self) -> list[str]:
            return sorted(set(self.__dict__) | set(homes))

        def __setattr__(self, name: str, value) -> None:
            # importing a submodule binds it on the package (``planner.verify`` the module); the public name of
            # the same spelling (``planner.verify`` the function) must win, as when it was imported eagerly
            if name in homes and isinstance(value, types.ModuleType) and homes[name] == value.__name__:
                return
            super().__setattr__(name, value)

    sys.modules[package].__class__ = LazyPackage
