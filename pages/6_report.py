"""page_report (being wired)."""
import streamlit as st

from madoguchi import app_state as S
from madoguchi.i18n import t


def body(region):
    st.info(t("page_report_desc", S.lang()))


S.page("page_report", body)
