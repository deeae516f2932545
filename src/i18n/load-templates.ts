// Reads locales/{en,bn}/notification-templates.json (type → {title, message})
// and locales/{en,bn}/notification-values.json (the translated words of order
// statuses, payment statuses and providers) once at start, and refuses them
// unless every type of PROTOCOL.md §5 has a template in both languages, every
// placeholder is a parameter of its type, and every value has a label.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LANGS, NOTIFICATION_TYPES, VALUE_SETS, paramsOf, type Lang, type NotificationType, type ValueSet } from './notification-types.ts';
import { parseTemplate, type Segment } from './template-text.ts';

export const LOCALES_DIR = fileURLToPath(new URL('../../locales/', import.meta.url));

export interface CompiledTemplate {
  readonly title: readonly Segment[];
  readonly message: readonly Segment[];
}

export type ValueLabels = { readonly [S in ValueSet]: Readonly<Record<(typeof VALUE_SETS)[S][number], string>> };

/** Both languages' templates, checked and split into segments. */
export interface NotificationTemplates {
  readonly templates: Readonly<Record<Lang, Readonly<Record<NotificationType, CompiledTemplate>>>>;
  readonly values: Readonly<Record<Lang, ValueLabels>>;
}

export class TemplateFileError extends Error {}

/** A plain message for an absent entry; other issues keep zod's own. */
function missing(what: string) {
  return (issue: { input?: unknown }): string | undefined => (issue.input === undefined ? what : undefined);
}

function templateText(type: NotificationType) {
  const known = Object.keys(paramsOf(type));
  return z
    .string({ error: missing('missing') })
    .min(1)
    .transform((text, ctx): readonly Segment[] => {
      const parsed = parseTemplate(text);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      for (const s of parsed.segments) {
        if ('param' in s && !known.includes(s.param)) {
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${s.param}} (${type} has ${known.map((k) => `{${k}}`).join(' ')})` });
        }
      }
      return parsed.segments;
    });
}

const templatesSchema = z.strictObject(
  Object.fromEntries(
    NOTIFICATION_TYPES.map((type) => [type, z.strictObject({ title: templateText(type), message: templateText(type) }, { error: missing('no template for this type') })]),
  ) as {
    [T in NotificationType]: z.ZodObject<{ title: ReturnType<typeof templateText>; message: ReturnType<typeof templateText> }>;
  },
);

const label = z.string({ error: missing('no label for this value') }).min(1);
const valuesSchema = z.strictObject(
  Object.fromEntries(Object.entries(VALUE_SETS).map(([set, keys]) => [set, z.strictObject(Object.fromEntries(keys.map((k) => [k, label])))])) as {
    [S in ValueSet]: z.ZodObject<{ [K in (typeof VALUE_SETS)[S][number]]: typeof label }>;
  },
);

/** A locales file's JSON; TemplateFileError naming the file when it cannot be read or parsed. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TemplateFileError(`${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TemplateFileError(`${path}: not JSON: ${(err as Error).message}`, { cause: err });
  }
}

function parseFile<T>(path: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(readJson(path));
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`);
  throw new TemplateFileError(`${path}: ${issues.join('; ')}`);
}

/** Loads and checks both languages from `dir` (default: the repository's locales/); throws TemplateFileError naming the file and entry. */
export function loadNotificationTemplates(dir: string = LOCALES_DIR): NotificationTemplates {
  const templates = {} as Record<Lang, Record<NotificationType, CompiledTemplate>>;
  const values = {} as Record<Lang, ValueLabels>;
  for (const lang of LANGS) {
    templates[lang] = parseFile(join(dir, lang, 'notification-templates.json'), templatesSchema);
    values[lang] = parseFile(join(dir, lang, 'notification-values.json'), valuesSchema);
  }
  return { templates, values };
}
