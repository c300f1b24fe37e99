from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from .deps import get_conn

app = FastAPI()


class Filter(BaseModel):
    owner: str
    limit: int = 10


@app.post("/notes/search")
def search_notes(flt: Filter):
    sql = text("SELECT id FROM notes WHERE owner = '" + flt.owner + "' LIMIT " + str(flt.limit))
    return {"sql": str(sql), "rows": get_conn().execute(str(sql)).fetchall()}
