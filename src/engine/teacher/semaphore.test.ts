import { describe, expect, it } from 'vitest';
import { Semaphore, sleep } from './semaphore';

describe('Semaphore', () => {
  it('limits concurrency and serves waiters in order', async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const release = await sem.acquire();
        running += 1;
        peak = Math.max(peak, running);
        order.push(i);
        await sleep(10);
        running -= 1;
        release();
        release(); // releasing twice is harmless
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(sem.running).toBe(0);
  });

  it('drops an aborted waiter', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const ac = new AbortController();
    const waiting = sem.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toThrow('aborted');
    release();
    const again = await sem.acquire();
    expect(sem.running).toBe(1);
    again();
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });

  it('sleep rejects on abort', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('aborted');
  });
});
