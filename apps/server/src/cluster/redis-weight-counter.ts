import type { SharedWeightCounter } from "@tradedesk/core";
import type { Redis } from "ioredis";

/**
 * The exchange's request-weight count per clock minute, shared by every instance through Redis:
 * one key per minute (`<prefix>:weight:<minute>`), checked and increased in one Lua script so two
 * instances can never both take the last of the budget. Keys expire a few minutes after their
 * minute. The client should fail fast while Redis is away (no offline queue): the budget then
 * falls back to this instance's share.
 */
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local weight = tonumber(ARGV[1])
if used + weight > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], weight)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {1, used}
`;

const MINUTE_MS = 60_000;

export function createRedisWeightCounter(redis: Redis, keyPrefix: string): SharedWeightCounter {
  return {
    async reserve(minute, weight, allowed) {
      const key = `${keyPrefix}:weight:${minute}`;
      const expireAt = (minute + 5) * MINUTE_MS;
      const [reserved, used] = (await redis.eval(RESERVE, 1, key, weight, allowed, expireAt)) as [
        number,
        number,
      ];
      return { reserved: reserved === 1, used: Number(used) };
    },
  };
}
