// The actor kind bench/actors.ts drives: a counter per actor.
import { defineBehaviour, type Behaviour } from '../src/actors/behaviour.ts';

type Msg = { type: 'hit'; n: number } | { type: 'count' } | { type: 'echo'; v: number };

const counter = defineBehaviour<{ hits: number }, Msg>({
  kind: 'benchcounter',
  messageTypes: ['hit', 'count', 'echo'],
  init: () => ({ hits: 0 }),
  handle(state, msg) {
    switch (msg.type) {
      case 'hit':
        state.hits++;
        return { state };
      case 'count':
        return { state, reply: state.hits };
      case 'echo':
        return { state, reply: msg.v };
    }
  },
});

export const behaviours: Behaviour<any, any, any>[] = [counter];
