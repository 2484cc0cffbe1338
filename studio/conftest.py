"""pytest's doctest collection (``--doctest-modules`` over the packages) must not import the
Streamlit scripts: the router and the pages run Streamlit calls at import time and only
make sense inside ``streamlit run`` or ``AppTest`` (tests/studio/app/ runs them there)."""
collect_ignore = ["streamlit_app.py", "app_pages"]
