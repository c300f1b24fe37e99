import aiofiles
from fastapi import FastAPI

app = FastAPI()


@app.get("/reports/{name}")
async def report(name: str):
    async with aiofiles.open("/srv/api/reports/" + name) as fh:
        return {"text": await fh.read()}
