// Every actor kind haat runs; host threads load this module.
import type { Behaviour } from '../actors/behaviour.ts';

export const behaviours: Behaviour<any, any, any>[] = [];
