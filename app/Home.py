"""molmara — Streamlit app, home page: sample the prior and look at what it proposes.

Start with `streamlit run app/Home.py` (the `molmara app` command arrives with the app issue).
Every action is one call of molmara's public Python API.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

import molmara
from molmara.chem.draw import grid_svg
from molmara.metrics import sample_quality

st.set_page_config(page_title="molmara", layout="wide")
st.title("molmara")
st.caption("A SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling.")


@st.cache_resource
def prior():
    return molmara.load_prior()


st.header("What does the prior propose?")
left, right = st.columns(2)
n = left.number_input("molecules", min_value=10, max_value=20_000, value=500, step=100)
seed = right.number_input("seed", min_value=0, value=0, step=1)

if st.button("Sample", type="primary"):
    with st.spinner(f"sampling {n} molecules"):
        result = prior().sample(int(n), generator=torch.Generator().manual_seed(int(seed)))
        quality = sample_quality(result.smiles)
    columns = st.columns(5)
    for column, key in zip(columns, ["validity", "uniqueness", "intdiv1", "intdiv2", "unique_scaffolds"], strict=True):
        value = quality[key]
        column.metric(key, f"{value:,.0f}" if key == "unique_scaffolds" else f"{value:.3f}")
    table = pd.DataFrame({"SMILES": result.smiles, "NLL": -result.log_likelihood})
    st.dataframe(table, use_container_width=True, height=240)
    st.download_button("Download CSV", table.to_csv(index=False), "samples.csv", "text/csv")
    st.image(grid_svg(result.smiles[:12], [f"NLL {x:.1f}" for x in -result.log_likelihood[:12]]))
