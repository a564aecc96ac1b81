#!/usr/bin/env python3
"""A TCP relay that models a network link between a client and a server on this machine.

Usage: scripts/netlink.py TARGET_PORT DELAY_MS MBIT
Listens on a free loopback port (printed as "PORT n" on the first line) and relays every connection to
127.0.0.1:TARGET_PORT. Each direction delays every chunk by DELAY_MS (one way, so a round trip costs twice that),
and the server-to-client direction of all connections together carries at most MBIT megabits per second, as
one shared downlink would. TLS passes through untouched. Used by `scripts/bench.sh capture --link` to measure a
capture against a cluster that is not on the same machine (docs/capture.md).
"""
import asyncio
import sys
import time

target_port = int(sys.argv[1])
delay = float(sys.argv[2]) / 1000
rate = float(sys.argv[3]) * 1e6 / 8
downlink_free = [0.0]  # when the shared downlink has sent what it was given


async def relay(reader, writer, downstream):
    queue = asyncio.Queue()

    async def send():
        while (item := await queue.get()) is not None:
            due, data = item
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            now = time.monotonic()
            if downstream:
                start = max(now, downlink_free[0])
                downlink_free[0] = start + len(data) / rate
                due = downlink_free[0] + delay
            else:
                due = now + delay
            await queue.put((due, data))
    except ConnectionError:
        pass
    await queue.put(None)
    try:
        await sender
    except ConnectionError:
        pass


async def connection(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(relay(client_reader, server_writer, False), relay(server_reader, client_writer, True))


async def main():
    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
