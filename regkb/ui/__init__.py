"""Display helpers for the Streamlit app: engine values in, HTML/Markdown/rows out.

Nothing here imports Streamlit, so every helper is a pure function with exact tests;
app.py only places what these return on the page.
"""
