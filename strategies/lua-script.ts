import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';

/**
 * EVALSHA/EVAL with Buffer replies: ioredis has them at run time but its typings do not list
 * them, and `callBuffer` breaks under auto-pipelining.
 */
interface BufferEval {
  evalshaBuffer(sha: string, numKeys: number, ...rest: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(source: string, numKeys: number, ...rest: (string | number | Buffer)[]): Promise<unknown>;
}

/**
 * A Lua script run atomically in Redis: EVALSHA, and EVAL once when Redis does not know the
 * script yet (first use, or after a restart emptied its script cache).
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** As {@link run}, with bulk replies as Buffers (binary cache entries survive). */
  async runBuffer(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    try {
      return await (redis as unknown as BufferEval).evalshaBuffer(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return (redis as unknown as BufferEval).evalBuffer(this.source, keys.length, ...keys, ...args);
    }
  }
}
