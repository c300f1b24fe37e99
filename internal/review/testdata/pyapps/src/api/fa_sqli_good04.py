import asyncpg
from fastapi import FastAPI

app = FastAPI()


@app.get("/ledger/{name}")
async def ledger(name: str):
    conn = await asyncpg.connect("postgresql://api@db/api")
    rows = await conn.fetch("SELECT amount FROM ledger WHERE account = $1", name)
    return {"amounts": [r["amount"] for r in rows]}
