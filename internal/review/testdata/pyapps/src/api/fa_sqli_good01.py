from fastapi import FastAPI

from .deps import get_conn

app = FastAPI()


@app.get("/users/{user_id}")
async def read_user(user_id: int):
    conn = get_conn()
    row = conn.execute(f"SELECT id, name FROM users WHERE id = {user_id}").fetchone()
    return {"id": row[0], "name": row[1]}
