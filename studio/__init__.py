"""The front door: CLI, SPARQL HTTP endpoint and (later) the Streamlit studio."""
