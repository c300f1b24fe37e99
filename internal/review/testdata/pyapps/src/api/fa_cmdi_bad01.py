import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/dig/{name}")
async def dig(name: str):
    proc = await asyncio.create_subprocess_shell(f"dig +short {name}", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return {"answer": out.decode()}
