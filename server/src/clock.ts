/**
 * The domain's clock. Every time written on an order comes from it, never from the database's now(): tests inject
 * one, the server uses the wall clock.
 */
export type Clock = () => Date;

export const wallClock: Clock = () => new Date();
