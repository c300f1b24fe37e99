from enum import Enum
from typing import Literal

from fastapi import FastAPI

from .deps import get_conn

app = FastAPI()


class SortField(str, Enum):
    name = "name"
    created = "created_at"


@app.get("/catalog")
def catalog(sort: SortField = SortField.name, order: Literal["asc", "desc"] = "asc"):
    rows = get_conn().execute(f"SELECT id FROM catalog ORDER BY {sort.value} {order}").fetchall()
    return {"ids": [r[0] for r in rows]}
