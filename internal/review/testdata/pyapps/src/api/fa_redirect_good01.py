from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/docs-redirect/{section}")
async def docs_redirect(section: int):
    return RedirectResponse(url=f"/docs#section-{section}")
