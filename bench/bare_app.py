"""The yardstick: the smallest Flask app, served with the same gunicorn settings as Apuri.

``gunicorn -c gunicorn.conf.py --pythonpath bench bare_app:app``
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
