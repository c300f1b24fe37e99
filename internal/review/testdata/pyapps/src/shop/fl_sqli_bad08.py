import pandas as pd
from flask import Flask, request

from .db import get_db

app = Flask(__name__)


@app.route("/analytics/export")
def export():
    since = request.args.get("since", "2024-01-01")
    frame = pd.read_sql(f"SELECT * FROM events WHERE ts >= '{since}'", get_db())
    return frame.to_csv(index=False), 200, {"Content-Type": "text/csv"}
