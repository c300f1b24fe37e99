from uuid import UUID

from fastapi import FastAPI, Path

from .deps import get_conn

app = FastAPI()


@app.get("/sessions/{sid}")
def get_session(sid: UUID = Path(...)):
    row = get_conn().execute(f"SELECT data FROM sessions WHERE id = '{sid}'").fetchone()
    return {"data": row[0] if row else None}
