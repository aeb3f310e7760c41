#!/usr/bin/env python3
"""Opens many idle SMTP connections from many loopback addresses and waits for the server to cut them.

usage: idle_clients.py HOST:PORT COUNT PER_ADDRESS READY_FILE

Connection i comes from 127.0.0.(2 + i // PER_ADDRESS), so the server's per-address limit is
met exactly and never exceeded. Each connection reads the greeting, then sends nothing. Once every
connection has its greeting (or was refused), READY_FILE is written with a JSON summary, so that
the caller can measure the server while all of them are open. Then each connection waits until the
server closes it, remembering the last line it said and when. The final summary goes to stdout
as JSON.
"""
import asyncio
import json
import statistics
import sys
import time


async def one(i, host, port, per_address, state):
    source = "127.0.0.%d" % (2 + i // per_address)
    try:
        reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0), limit=4096)
    except OSError as e:
        state["connect_errors"].append("%s: %s" % (source, e))
        state["pending"] -= 1
        return
    greeting = await reader.readline()
    greeted = time.monotonic()
    if greeting.startswith(b"220"):
        state["greeted"] += 1
    else:
        state["refused"].append(greeting.decode("ascii", "replace").strip())
    state["pending"] -= 1
    if state["pending"] == 0:
        state["all_open"].set()
    last = b""
    while True:
        line = await reader.readline()
        if not line:
            break
        last = line
    closed = time.monotonic()
    if greeting.startswith(b"220"):
        said = last.decode("ascii", "replace").strip()[:9] or "(nothing)"  # e.g. "421 4.4.2"
        state["ends"][said] = state["ends"].get(said, 0) + 1
        state["held_for"].append(closed - greeted)
    writer.close()


async def main():
    server, count, per_address, ready_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    host, port = server.rsplit(":", 1)
    state = {"greeted": 0, "refused": [], "connect_errors": [], "pending": count, "all_open": asyncio.Event(),
             "ends": {}, "held_for": []}
    started = time.monotonic()
    tasks = []
    # Open in waves, so that the listen backlog is never the limit being measured.
    for i in range(count):
        tasks.append(asyncio.create_task(one(i, host, int(port), per_address, state)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    await state["all_open"].wait()
    opened_in = time.monotonic() - started
    with open(ready_file, "w") as f:
        json.dump({"greeted": state["greeted"], "refused": len(state["refused"]),
                   "connect_errors": len(state["connect_errors"]), "opened_in_s": round(opened_in, 1)}, f)
    await asyncio.gather(*tasks)
    held = sorted(state["held_for"])
    print(json.dumps({
        "count": count, "greeted": state["greeted"],
        "refused": len(state["refused"]), "refused_sample": state["refused"][:3],
        "connect_errors": len(state["connect_errors"]), "connect_error_sample": state["connect_errors"][:3],
        "opened_in_s": round(opened_in, 1),
        "last_reply": state["ends"],
        "held_s": {"min": round(held[0], 1), "median": round(statistics.median(held), 1), "max": round(held[-1], 1)}
        if held else None,
    }))


if __name__ == "__main__":
    asyncio.run(main())
