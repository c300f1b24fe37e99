import asyncpg
from fastapi import FastAPI

app = FastAPI()


@app.get("/accounts/{name}")
async def account(name: str):
    conn = await asyncpg.connect("postgresql://api@db/api")
    row = await conn.fetchrow(f"SELECT id, balance FROM accounts WHERE name = '{name}'")
    return {"id": row["id"], "balance": row["balance"]}
