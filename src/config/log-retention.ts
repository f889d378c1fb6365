import { z } from 'zod';

/** The retention periods CloudWatch Logs accepts (`PutRetentionPolicy`); any other number fails at apply. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Days a CloudWatch log group keeps its events: one of {@link LOG_RETENTION_DAYS}. */
export const logRetentionDays = z.int().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  message: `must be a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')})`,
});
