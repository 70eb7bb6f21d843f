"""AI model architecture cards (``models/*.yaml``): what the roofline kernel needs to know about a model.

A card records the published architecture (parameters, layers, heads, KV layout, experts) and where each
figure comes from. Derived quantities (KV elements per token, attention FLOPs per context token, weights
touched by a MoE step) live here as properties so the kernel never re-derives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from planner.errors import DataError, Problem
from planner.resources import models_dir
from planner.yaml_load import safe_load


class AttentionType(StrEnum):
    MHA = "mha"
    GQA = "gqa"
    MLA = "mla"


@dataclass(frozen=True)
class MlaDims:
    """Multi-head latent attention: the KV cache holds one compressed latent plus a shared RoPE key."""

    kv_lora_rank: int
    q_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int


@dataclass(frozen=True)
class MoeDims:
    """Mixture of experts: ``moe_layers`` layers each route a token to ``top_k`` of ``experts``."""

    experts: int
    top_k: int
    shared_experts: int
    moe_layers: int
    expert_intermediate_size: int


@dataclass(frozen=True)
class ModelCard:
    name: str
    family: str
    total_params: float
    active_params: float
    layers: int
    hidden_size: int
    intermediate_size: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab_size: int
    context_length: int
    attention: AttentionType
    sources: tuple[str, ...]
    mla: MlaDims | None = None
    moe: MoeDims | None = None
    notes: str = ""

    @property
    def kv_elements_per_token(self) -> float:
        """KV-cache elements per token over all layers (GQA/MHA: 2 L H_kv d_h; MLA: L (latent + rope))."""
        if self.mla is not None:
            return float(self.layers * (self.mla.kv_lora_rank + self.mla.qk_rope_head_dim))
        return float(2 * self.layers * self.kv_heads * self.head_dim)

    @property
    def attn_decode_flops_per_ctx(self) -> float:
        """Forward attention FLOPs per new token per context token (scores + weighted sum), all layers.

        MLA decodes in the absorbed form: scores over the 576-wide latent+rope, values over the 512 latent.
        """
        if self.mla is not None:
            m = self.mla
            width = (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
        else:
            width = 2 * self.head_dim
        return float(2 * self.layers * self.heads * width)

    @property
    def attn_prefill_flops_per_ctx(self) -> float:
        """As ``attn_decode_flops_per_ctx`` but for prefill (MLA un-absorbed: 192-wide keys, 128-wide values)."""
        if self.mla is not None:
            m = self.mla
            width = (m.qk_nope_head_dim + m.qk_rope_head_dim) + m.v_head_dim
        else:
            width = 2 * self.head_dim
        return float(2 * self.layers * self.heads * width)

    @property
    def expert_params(self) -> float:
        """Parameters of one routed expert in one layer (SwiGLU: gate, up, down)."""
        if self.moe is None:
            return 0.0
        return 3.0 * self.hidden_size * self.moe.expert_intermediate_size

    @property
    def routed_expert_params_total(self) -> float:
        if self.moe is None:
            return 0.0
        return self.moe.moe_layers * self.moe.experts * self.expert_params

    @property
    def always_touched_params(self) -> float:
        """Parameters read by every step whatever the routing: attention, shared experts, dense layers, head."""
        return self.total_params - self.routed_expert_params_total

    def touched_params(self, tokens: float) -> float:
        """Expected parameters a step of ``tokens`` tokens reads: distinct experts hit, not just top-k."""
        if self.moe is None:
            return self.total_params
        e, k = self.moe.experts, self.moe.top_k
        hit = e * (1.0 - (1.0 - k / e) ** tokens)
        return self.always_touched_params + self.moe.moe_layers * hit * self.expert_params


_REQUIRED_INT = ("layers", "hidden_size", "intermediate_size", "heads", "kv_heads", "head_dim", "vocab_size",
                 "context_length")
_MLA_KEYS = ("kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")
_MOE_KEYS = ("experts", "top_k", "shared_experts", "moe_layers", "expert_intermediate_size")


def _positive(raw: dict, key: str, file: str, path: str, problems: list[Problem]) -> float | None:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        problems.append(Problem(file, f"{path}{key}", "must be a positive number", value))
        return None
    return value


def _sub(raw: dict, key: str, keys: tuple[str, ...], file: str, problems: list[Problem]) -> dict | None:
    block = raw.get(key)
    if block is None:
        return None
    if not isinstance(block, dict):
        problems.append(Problem(file, key, "must be a mapping", block))
        return None
    values = {k: _positive(block, k, file, f"{key}.", problems) for k in keys if k != "shared_experts"}
    values["shared_experts"] = block.get("shared_experts", 0) if key == "moe" else None
    return values


def parse_model_card(raw: object, file: str) -> ModelCard:
    """Validate one card's mapping; collect every problem before raising ``DataError``."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise DataError([Problem(file, "", "a model card must be a YAML mapping", type(raw).__name__)])
    known = {"name", "family", "total_params", "active_params", "attention", "sources", "mla", "moe", "notes",
             *_REQUIRED_INT}
    for key in sorted(set(raw) - known):
        problems.append(Problem(file, key, "unknown field", raw[key]))
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        problems.append(Problem(file, "name", "must be a non-empty string", raw.get("name")))
    total = _positive(raw, "total_params", file, "", problems)
    active = _positive(raw, "active_params", file, "", problems)
    ints = {k: _positive(raw, k, file, "", problems) for k in _REQUIRED_INT}
    try:
        attention = AttentionType(str(raw.get("attention")).lower())
    except ValueError:
        attention = None
        problems.append(Problem(file, "attention", "must be one of mha, gqa, mla", raw.get("attention")))
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        problems.append(Problem(file, "sources", "must be a non-empty list of URLs", sources))
        sources = []
    mla = _sub(raw, "mla", _MLA_KEYS, file, problems)
    moe = _sub(raw, "moe", _MOE_KEYS, file, problems)
    if attention is AttentionType.MLA and mla is None:
        problems.append(Problem(file, "mla", "attention: mla needs the mla block (latent dims)", None))
    if total and active and active > total:
        problems.append(Problem(file, "active_params", "cannot exceed total_params", active))
    if moe and all(moe[k] for k in ("experts", "top_k")) and moe["top_k"] > moe["experts"]:
        problems.append(Problem(file, "moe.top_k", "cannot exceed moe.experts", moe["top_k"]))
    if problems:
        raise DataError(problems, f"invalid model card {file}")
    card = ModelCard(
        name=raw["name"], family=str(raw.get("family", "")), total_params=float(total), active_params=float(active),
        **{k: int(v) for k, v in ints.items()}, attention=attention, sources=tuple(sources),
        mla=MlaDims(**{k: int(mla[k]) for k in _MLA_KEYS}) if mla else None,
        moe=MoeDims(**{k: int(moe[k]) for k in _MOE_KEYS}) if moe else None,
        notes=str(raw.get("notes", "")),
    )
    if card.moe is not None and card.always_touched_params <= 0:
        raise DataError([Problem(file, "moe", "routed experts exceed total_params", card.routed_expert_params_total)])
    return card


def list_model_cards() -> list[str]:
    """Names of the shipped model cards (file stems of ``models/*.yaml``)."""
    return sorted(p.stem for p in models_dir().glob("*.yaml"))


def _card_path(name: str) -> Path:
    by_lower = {stem.lower(): stem for stem in list_model_cards()}
    stem = by_lower.get(name.strip().lower())
    if stem is None:
        raise DataError([Problem("models/", name, f"no such model card; known: {', '.join(list_model_cards())}",
                                 name)])
    return models_dir() / f"{stem}.yaml"


def load_model_card(name: str) -> ModelCard:
    """Load and validate ``models/<name>.yaml`` (name matched case-insensitively)."""
    path = _card_path(name)
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DataError([Problem(f"models/{path.name}", "", f"not valid YAML: {error}")]) from error
    return parse_model_card(raw, f"models/{path.name}")
