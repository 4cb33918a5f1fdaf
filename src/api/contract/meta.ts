import { Type } from '@sinclair/typebox';
import { AnyObject } from './common.ts';

/** The node's health (GET /healthz): its shape belongs to the platform that reports it, so it is open. */
export const HealthSchema = AnyObject;

/** The public token signing keys (RFC 7517), for peers that verify our gateway's tokens. */
export const JwksSchema = Type.Object({ keys: Type.Array(AnyObject) });
