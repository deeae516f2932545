// The fast path must never change an answer: for every input, parseFrame
// (fast path first) answers exactly what the zod schemas alone answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_SHAPES, fastFrame, type FieldRule, type FrameShape } from './frame-fast-path.ts';
import { parseFrame, validateFrame, type Parsed } from './frames.ts';

/** Values at and around the edges of a rule, plus the wrong types. */
function tricky(rule: FieldRule): unknown[] {
  const common: unknown[] = [null, true, false, 0, -1, 1.5, [], {}, [1], { a: 1 }, '', ' ', 'x'];
  switch (rule.kind) {
    case 'ref':
      return [...common, 7, -0, 1e308, -1e308, 2 ** 53 + 2, 'r'.repeat(64), 'r'.repeat(65), '😀'.repeat(32), '😀'.repeat(33)];
    case 'type':
      return [...common];
    case 'string': {
      const out = [...common];
      for (const n of [rule.min - 1, rule.min, rule.min + 1, rule.max - 1, rule.max, rule.max + 1]) {
        if (n < 0) continue;
        out.push('a'.repeat(n), 'é'.repeat(n));
        if (n >= 2) out.push('😀'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2), `${'a'.repeat(n - 1)}"`, `${'a'.repeat(n - 1)}\n`, `${'a'.repeat(n - 1)}\u0000`);
      }
      out.push('product:p1', 'a b', 'a/b', 'A-z_0.9:x', 'ü', 'a\u2028');
      return out;
    }
    case 'oneOf':
      return [...common, ...rule.values, ...rule.values.map((v) => v.toUpperCase()), ...rule.values.map((v) => ` ${v}`), 'urgent'];
    case 'int':
      return [...common, rule.min - 1, rule.min, rule.min + 0.5, rule.max, rule.max + 1, rule.max - 0.5, 2 ** 53, -(2 ** 53), 1e308, '5'];
    case 'present':
      return [...common, 'data', 12, { nested: { deep: [1, 2, { x: null }] } }];
  }
}

/** A valid value for a rule. */
function good(rule: FieldRule, type: string): unknown {
  switch (rule.kind) {
    case 'ref':
      return 3;
    case 'type':
      return type;
    case 'string':
      return rule.pattern ? 'bench_event' : 'product:p1'.slice(0, Math.max(rule.min, Math.min(rule.max, 10)));
    case 'oneOf':
      return rule.values[0];
    case 'int':
      return rule.min;
    case 'present':
      return { n: 1 };
  }
}

function base(shape: FrameShape, withOptional: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(shape.required)) o[k] = good(r, shape.type);
  if (withOptional) for (const [k, r] of Object.entries(shape.optional)) o[k] = good(r, shape.type);
  return o;
}

function summary(p: Parsed): unknown {
  return p.ok ? { ok: true, frame: p.frame } : { ok: false, code: p.error.code, message: p.error.message, ref: p.ref };
}

let fastAccepted = 0;

/** The one property: parseFrame equals zod alone, and a fast accept is zod's output. */
function check(text: string): void {
  const viaZod = validateFrame(JSON.parse(text) as Record<string, unknown>);
  assert.deepEqual(summary(parseFrame(text)), summary(viaZod), text.slice(0, 300));
  const fast = fastFrame(JSON.parse(text) as Record<string, unknown>);
  if (fast !== undefined) {
    fastAccepted++;
    assert.ok(viaZod.ok, `fast path accepted what zod refuses: ${text.slice(0, 300)}`);
    assert.deepEqual(fast, viaZod.frame);
  }
}

for (const shape of FAST_SHAPES) {
  test(`${shape.type}: the hot shapes take the fast path and match zod`, () => {
    for (const withOptional of [false, true]) {
      const text = JSON.stringify(base(shape, withOptional));
      assert.ok(fastFrame(JSON.parse(text) as Record<string, unknown>), `not fast: ${text}`);
      check(text);
    }
  });

  test(`${shape.type}: every member at its limits and of every wrong type answers as zod does`, () => {
    const rules = { ...shape.required, ...shape.optional };
    for (const withOptional of [false, true]) {
      for (const [k, rule] of Object.entries(rules)) {
        for (const v of tricky(rule)) check(JSON.stringify({ ...base(shape, withOptional), [k]: v }));
      }
    }
  });

  test(`${shape.type}: missing, unknown and unusual members answer as zod does`, () => {
    const full = base(shape, true);
    for (const k of Object.keys(shape.required)) {
      const o = { ...full };
      delete o[k];
      check(JSON.stringify(o));
    }
    check(JSON.stringify({ ...full, later_field: 1 })); // forward compatibility: dropped by zod, so not fast
    check(JSON.stringify({ ...full, metadata: { a: 1 } }));
    check(JSON.stringify({ ...full, metadata: [1] }));
    check(JSON.stringify({ ...full, data: null }));
    const body = JSON.stringify(full).slice(1);
    for (const extra of ['"__proto__":{"x":1},', '"constructor":1,', '"toString":"x",', '"hasOwnProperty":1,', `"type":"ping",`]) check(`{${extra}${body}`);
    check(`{${body.slice(0, -1)},"type":"ping"}`); // a duplicate key: the last one wins in JSON.parse
  });

  test(`${shape.type}: random frames answer as zod does`, () => {
    const rules = Object.entries({ ...shape.required, ...shape.optional });
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const o: Record<string, unknown> = {};
      for (const [k, rule] of rules) {
        const pick = rand(4);
        if (pick === 0) continue; // absent
        if (pick === 1) {
          const vs = tricky(rule);
          o[k] = vs[rand(vs.length)];
        } else o[k] = good(rule, shape.type);
      }
      if (rand(10) === 0) o[`x${rand(3)}`] = rand(2);
      check(JSON.stringify(o));
    }
  });
}

test('the fast path was taken by part of the inputs above, not none', () => {
  assert.ok(fastAccepted > 200, `fast accepts: ${fastAccepted}`);
});
