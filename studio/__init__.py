"""The front door: the CLI, the SPARQL HTTP endpoint and the Streamlit studio."""
