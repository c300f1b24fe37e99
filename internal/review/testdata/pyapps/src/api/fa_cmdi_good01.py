import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/host/{name}")
async def host(name: str):
    proc = await asyncio.create_subprocess_exec("host", name, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return {"answer": out.decode()}
