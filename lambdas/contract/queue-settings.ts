/**
 * Settings of the queues a domain has, shared by the construct that deploys them and the local
 * wirings that emulate them, so that a message lives as long locally as on AWS.
 */

/** How long a dead-lettered message is kept, s: the SQS maximum (14 days), so there is time to look at it. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3_600;
