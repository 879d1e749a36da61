"""models: placement, coverage, outreach, partnerships and cost sharing. Pure computation, no Streamlit, no file I/O."""
