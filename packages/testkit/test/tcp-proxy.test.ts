import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../src/index.js';

/** Connects to `port`, sends `text` and resolves with the echo, or rejects with the error. */
function echo(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

describe('TcpProxy', () => {
  let server: Server;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // An echo server; the proxy resets its side of a connection in an outage.
    server = createServer((socket) => socket.on('error', () => undefined).pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy('127.0.0.1', (server.address() as AddressInfo).port);
  });
  afterAll(async () => {
    await proxy.down();
    await new Promise((resolve) => server.close(resolve));
  });

  it('has no port before it listens', () => {
    expect(() => proxy.port).toThrow(/call up\(\) first/);
  });

  it('relays, resets and refuses during an outage, and relays again on the same port', async () => {
    await proxy.up();
    await proxy.up(); // already up: nothing happens
    const port = proxy.port;
    expect(await echo(port, 'before')).toBe('before');

    const open = connect(port, '127.0.0.1');
    await new Promise((resolve) => open.once('connect', resolve));
    const closed = new Promise<unknown>((resolve) => open.once('error', resolve));
    await proxy.down();
    await proxy.down(); // already down: nothing happens
    expect(await closed).toMatchObject({ code: 'ECONNRESET' });
    await expect(echo(port, 'during')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await proxy.up();
    expect(proxy.port).toBe(port);
    expect(await echo(port, 'after')).toBe('after');
  });

  it('gives the URL to reach the server through it', () => {
    expect(proxy.url('redis://user:secret@db.example:6379/2?x=1')).toBe(
      `redis://user:secret@127.0.0.1:${proxy.port}/2?x=1`,
    );
  });
});
