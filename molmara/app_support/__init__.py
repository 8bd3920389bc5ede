"""Support for the Streamlit app (`app/`): `data` (what the pages compute from the run store) and
`forms` (objective and run-config forms as plain data) need no Streamlit and are tested directly;
`widgets` holds the Streamlit pieces the pages share."""
