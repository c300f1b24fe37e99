import aiofiles
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/uploads")
async def upload(file: UploadFile):
    data = await file.read()
    with open("/srv/api/uploads/" + file.filename, "wb") as out:
        out.write(data)
    return {"size": len(data)}
