"""The baseline: a bare Starlette POST doing one Redis HSET + PUBLISH (SPEC §8)."""

import json
import os

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

redis = Redis.from_url(os.environ["REDIS_URL"])


async def bare(request: Request) -> JSONResponse:
    body = await request.json()
    pipe = redis.pipeline(transaction=False)
    pipe.hset("bench:bare", body["rid"], body["msg"])
    pipe.publish("bench:bare", json.dumps(body))
    await pipe.execute()
    return JSONResponse({"success": True})


app = Starlette(routes=[Route("/bare", bare, methods=["POST"])])
