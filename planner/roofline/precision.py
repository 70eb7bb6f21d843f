"""Number formats: bytes per element, which catalog peak column they run at, and what a chip falls back to."""

from __future__ import annotations

from enum import StrEnum


class Precision(StrEnum):
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"
    FP4 = "fp4"


# FP4 (NVFP4/MXFP4) stores 4-bit values plus one 8-bit scale per 16-element block: 4.5 bits per weight.
BYTES_PER_ELEMENT = {Precision.BF16: 2.0, Precision.FP8: 1.0, Precision.INT8: 1.0, Precision.FP4: 0.5625}

PEAK_COLUMN = {
    Precision.BF16: "bf16_dense_flops",
    Precision.FP8: "fp8_dense_flops",
    Precision.INT8: "int8_dense_ops",
    Precision.FP4: "fp4_dense_flops",
}

# A chip without native support for a format runs the next wider one (weights stored at that width too).
FALLBACK = {
    Precision.FP4: (Precision.FP4, Precision.FP8, Precision.BF16),
    Precision.FP8: (Precision.FP8, Precision.BF16),
    Precision.INT8: (Precision.INT8, Precision.BF16),
    Precision.BF16: (Precision.BF16,),
}


def parse_precision(text: str) -> Precision:
    """Read a precision label from data ('bf16', 'fp16', 'FP8', 'nvfp4', 'mxfp4', 'int8')."""
    t = text.strip().lower()
    for alias, precision in (("fp16", Precision.BF16), ("bf16", Precision.BF16), ("fp8", Precision.FP8),
                             ("fp4", Precision.FP4), ("int8", Precision.INT8), ("int4", Precision.FP4)):
        if alias in t:
            return precision
    raise ValueError(f"unknown precision {text!r}")
