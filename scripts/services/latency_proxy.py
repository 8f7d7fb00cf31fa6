#!/usr/bin/env python3
"""A TCP proxy that adds a fixed one-way delay in each direction, to emulate a remote
service on loopback (used by bench/preflight_bench.sh).

Usage: latency_proxy.py DELAY_MS LISTEN_PORT:TARGET_PORT [LISTEN_PORT:TARGET_PORT...]

Every chunk is delivered DELAY_MS after it was read, without holding up the chunks behind
it, so a request/answer exchange costs 2 x DELAY_MS more, as over a link with that RTT.
Listens and connects on 127.0.0.1 only.
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    queue = asyncio.Queue()

    async def deliver():
        loop = asyncio.get_running_loop()
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.create_task(deliver())
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
    except (ConnectionError, OSError):
        queue.put_nowait((loop.time(), None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


def handler(target, delay):
    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, up_writer, delay),
            pump(up_reader, client_writer, delay),
            return_exceptions=True,
        )
    return handle


async def main():
    delay = float(sys.argv[1]) / 1000
    servers = []
    for pair in sys.argv[2:]:
        listen, target = (int(p) for p in pair.split(":"))
        servers.append(await asyncio.start_server(handler(target, delay), "127.0.0.1", listen))
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
