from fastapi import APIRouter

from .deps import get_conn

router = APIRouter()


@router.get("/tags/{tag}")
def by_tag(tag: str, limit: int = 10):
    conn = get_conn()
    rows = conn.execute(f"SELECT id FROM posts WHERE tag = ? LIMIT {limit}", (tag,)).fetchall()
    return {"ids": [r[0] for r in rows]}
