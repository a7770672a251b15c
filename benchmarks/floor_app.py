"""The floor of benchmarks/http.py: a bare Flask app, no extensions, one route returning a constant.

Served the way the real app is (`gunicorn benchmarks.floor_app:app`), it measures what the
web server and Flask cost on this machine, so the app's figures can be read as ratios to it.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return "ok\n"
