"""Pure figure builders: data → Plotly figure dicts (no streamlit)."""
