import numpy as np
import pandas as pd
import pytest


def chip_frame(**overrides) -> pd.DataFrame:
    """A two-chip catalog in canonical units: an H100-SXM-like and an H200-SXM-like chip (datasheet figures)."""
    base = {
        "bf16_dense_flops": [989e12, 989e12], "fp8_dense_flops": [1979e12, 1979e12],
        "int8_dense_ops": [1979e12, 1979e12], "fp4_dense_flops": [np.nan, np.nan],
        "hbm_bytes": [80e9, 141e9], "hbm_bandwidth_bytes_per_s": [3.35e12, 4.8e12], "tdp_kw": [0.7, 0.7],
        "scaleup_bandwidth_bytes_per_s": [900e9, 900e9],
    }
    base.update(overrides)
    return pd.DataFrame(base, index=pd.Index(["H100-like", "H200-like"], name="chip"))


@pytest.fixture
def chips() -> pd.DataFrame:
    return chip_frame()


@pytest.fixture
def make_chips():
    return chip_frame
