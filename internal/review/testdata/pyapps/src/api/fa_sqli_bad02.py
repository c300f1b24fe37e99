from fastapi import APIRouter, Request

from .deps import get_conn

router = APIRouter(prefix="/orders")


@router.post("/search")
async def search_orders(request: Request):
    body = await request.json()
    status = body["status"]
    cur = get_conn().cursor()
    cur.execute("SELECT id FROM orders WHERE status = '%s'" % status)
    return {"ids": [r[0] for r in cur.fetchall()]}
