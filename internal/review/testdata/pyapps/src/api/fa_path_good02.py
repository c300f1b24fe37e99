import os

from fastapi import Depends, FastAPI

from .settings import Settings, get_settings

app = FastAPI()


@app.get("/logs/today")
def today(settings: Settings = Depends(get_settings)):
    with open(os.path.join(settings.log_dir, "today.log")) as fh:
        return {"lines": fh.read().splitlines()[-50:]}
