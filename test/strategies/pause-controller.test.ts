import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PauseController } from '../../strategies/pause-controller.ts';

/** A stand-in for a strategy's operation: calls the hook at `point` and notes when it passes. */
async function operation(
  controller: PauseController,
  point: 'after-db-read' | 'before-cache-set',
  key: number,
  opId: number,
  log: string[],
): Promise<void> {
  log.push(`${opId} arrives`);
  const p = controller.hook(point, key, opId);
  if (p) await p;
  log.push(`${opId} passes`);
}

describe('pause controller', () => {
  it('holds the first matching operation until released, and lets others through', async () => {
    const controller = new PauseController(1000);
    const log: string[] = [];
    const hold = controller.holdNext('after-db-read', { key: 7 });
    const held = operation(controller, 'after-db-read', 7, 1, log);
    assert.deepEqual(await hold.reached, { point: 'after-db-read', key: 7, opId: 1 });
    await operation(controller, 'after-db-read', 7, 2, log);
    await operation(controller, 'after-db-read', 8, 3, log);
    await operation(controller, 'before-cache-set', 7, 4, log);
    assert.deepEqual(log, [
      '1 arrives',
      '2 arrives',
      '2 passes',
      '3 arrives',
      '3 passes',
      '4 arrives',
      '4 passes',
    ]);
    hold.release();
    await held;
    assert.equal(log.at(-1), '1 passes');
    assert.equal(controller.waitingHolds(), 0);
  });

  it('matches on opId as well as key', async () => {
    const controller = new PauseController(1000);
    const hold = controller.holdNext('before-cache-set', { opId: 9 });
    assert.equal(controller.hook('before-cache-set', 1, 8), undefined);
    const held = controller.hook('before-cache-set', 1, 9);
    assert.ok(held);
    assert.equal((await hold.reached).opId, 9);
    hold.release();
    await held;
  });

  it('returns undefined when nothing is held (the cost is one lookup)', () => {
    const controller = new PauseController();
    assert.equal(controller.hook('after-db-read', 1, 1), undefined);
  });

  it('rejects `reached` with a clear message when no operation arrives in time', async () => {
    const controller = new PauseController(30);
    const hold = controller.holdNext('after-db-read', { key: 3 });
    await assert.rejects(
      hold.reached,
      /no operation reached pause point 'after-db-read' \(key 3\) within 30 ms/,
    );
    assert.equal(controller.waitingHolds(), 0, 'a timed-out hold no longer catches operations');
    assert.equal(controller.hook('after-db-read', 3, 1), undefined);
  });

  it('fails a held operation that is never released instead of hanging', async () => {
    const controller = new PauseController(30);
    controller.holdNext('before-cache-set');
    const held = controller.hook('before-cache-set', 5, 1);
    assert.ok(held);
    await assert.rejects(held, /held at pause point 'before-cache-set' was not released within 30 ms/);
  });

  it('a hold released before any operation arrives catches nothing', async () => {
    const controller = new PauseController(1000);
    const hold = controller.holdNext('after-db-read');
    hold.release();
    hold.release();
    assert.equal(controller.hook('after-db-read', 1, 1), undefined);
  });
});
