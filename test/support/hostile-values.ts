import fc from "fast-check";

/** Nested arrays this deep: JSON.parse takes them, JSON.stringify (and anything recursive) does not. */
const deepNestingLevels = 6_000;

/** Stands for `[[[…]]]` nested too deep for JSON.stringify: `toJsonBody` writes it into the body as text. */
export const tooDeepToStringify = "\u0001deep-nesting\u0001";

/** The request body for `value`, with every `tooDeepToStringify` written out `deepNestingLevels` deep. */
export function toJsonBody(value: unknown): string {
  const nesting = "[".repeat(deepNestingLevels) + "]".repeat(deepNestingLevels);
  return JSON.stringify(value).replaceAll(JSON.stringify(tooDeepToStringify), nesting);
}

/** `[[[…]]]`, `depth` levels deep (few enough to build as a value). */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

/** Strings that have broken text handling elsewhere: NUL, half an emoji, direction marks, markup, templates. */
const edgeCaseStrings = [
  "\u0000",
  "a\u0000b",
  "\uD83D",
  "\uDE00 tail",
  "two halves \uD83D\uD83D",
  "\u202Eevil\u202C",
  "e\u0301\u0301\u0301\u0301",
  "\uFEFFbom",
  "zero\u200B\u200Dwidth",
  "𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 🇷🇺",
  "line\r\nbreak\ttab",
  "<b>bold</b> &amp; <script>x</script>",
  "{{ contact.phone }} {% raw %}",
  '\'; DROP TABLE "Contact"; --',
  "%s %n %x",
  "\\u0000 written out",
];

/** A unit of a 100,000-character text: ASCII, Cyrillic, an emoji (two UTF-16 units), NUL. */
const longTextUnits = ["a", "я", "😀", "\u0000", "\uD83D"];

/** 100,000 characters: no platform sends that much, so the app must cut it rather than choke. */
const hugeText: fc.Arbitrary<string> = fc.constantFrom(...longTextUnits).map((unit) => unit.repeat(100_000 / unit.length));

/** Short texts a person (or a broken client) could send: graphemes, arbitrary code points, the edge cases above. */
const shortHostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 30 }), weight: 3 },
  { arbitrary: fc.constantFrom(...edgeCaseStrings), weight: 4 },
);

/** Any text a person (or a broken client) could send, rarely 100k characters. */
export const hostileText: fc.Arbitrary<string> = fc.oneof({ arbitrary: shortHostileText, weight: 11 }, { arbitrary: hugeText, weight: 1 });

/**
 * A message a person writes that is no command: a word first, so it is never `/start`, `/stop`
 * or a stop word, then anything.
 */
export const ordinaryMessage: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("Привет", "hello", "вопрос", "ok", "42"), hostileText)
  .map(([word, rest]) => `${word} ${rest}`);

/** What a platform puts where a field of this JSON type belongs, when it gets it wrong. */
export type FieldType = "integer" | "string" | "object" | "array" | "json-string";

const notAnInteger = [null, "123", "-5", 1.5, 2 ** 64, 1e300, -1e300, true, {}, [], [7]];
const notAString = [null, 42, 0, true, false, {}, [], ["text"]];
const notAnObject = [null, [], [{}], "text", 42, true];
const notAnArray = [null, "no", {}, { 0: [] }, 42, true];
const notJsonText = ["{oops", "", "undefined", "{'b': 1}", "[1,", 42, null, { b: "x" }];

/**
 * Values of the wrong type for a field (numbers as strings, null objects, arrays where objects
 * go, unsafe integers, deep nesting). For a required field, leaving it out is wrong too:
 * JSON.stringify drops a field set to undefined.
 */
export function wrongValue(type: FieldType, required: boolean): fc.Arbitrary<unknown> {
  const wrong = {
    integer: notAnInteger,
    string: notAString,
    object: notAnObject,
    array: notAnArray,
    "json-string": notJsonText,
  }[type];
  const deep = type === "array" ? [] : [fc.constant(null).map(() => nested(50)), fc.constant(tooDeepToStringify)];
  return fc.oneof(fc.constantFrom(...wrong, ...(required ? [undefined] : [])), ...deep);
}

/**
 * Fields no version of the platform sent yet, on an otherwise good update: a channel that
 * reads only what it knows must take the update as it is.
 */
export const unknownFields: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({}),
  fc.record({ future_field: shortHostileText }),
  fc.record({ future_object: fc.record({ nested: fc.oneof(fc.integer(), fc.constant(null), shortHostileText) }) }),
  fc.record({ future_list: fc.array(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), { maxLength: 5 }) }),
  fc.constant({ future_depth: tooDeepToStringify }),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Request bodies that are not JSON at all: cut-off objects, form data, a lone NUL, random code
 * points, bytes that are not UTF-8. (A UTF-8 byte-order mark is dropped when the body is read,
 * so a body that is JSON after one counts as JSON.)
 */
export const notJsonBody: fc.Arbitrary<string | number[]> = fc.oneof(
  fc.constantFrom("", "{", "update_id=5&text=hi", "\u0000", '{"update_id": 1,}', "NaN", "undefined", "<xml/>", '{"a":1}}', "{'a': 1}"),
  fc.string({ unit: "binary", maxLength: 50 }).filter((text) => !isJson(text.replace(/^\uFEFF/, ""))),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((bytes) => [0xff, ...bytes]),
);

/** `root` with the value at `path` replaced (`undefined` leaves the field out of the JSON); an empty path replaces the whole. */
export function setAt(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const child = parent[key];
    if (!(child instanceof Object)) throw new Error(`No field ${path.join(".")} to replace in ${JSON.stringify(root)}`);
    parent = child as Record<string | number, unknown>;
  }
  parent[path.at(-1) as string | number] = value;
  return root;
}

/** A short name for a generated value, for a failure message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "(left out)";
  if (value === tooDeepToStringify) return "(deep nesting)";
  return JSON.stringify(value).slice(0, 40);
}

/** A field a channel (or its library) reads from an update: where it is, what it must be. */
export interface ReadField {
  path: Array<string | number>;
  type: FieldType;
  required: boolean;
}

/** An update of kind `base`, sound but for the one read field at `path`, which holds `value`. */
export interface MalformedPlan<Kind extends string> {
  type: "malformed";
  base: Kind;
  path: Array<string | number>;
  value: unknown;
  extra: Record<string, unknown>;
}

/** Updates broken field by field: a kind, one of the fields read from it, a wrong value for that field. */
export function malformedPlans<Kind extends string>(readFields: Record<Kind, ReadField[]>): fc.Arbitrary<MalformedPlan<Kind>> {
  return fc
    .constantFrom(...(Object.keys(readFields) as Kind[]))
    .chain((base) => fc.tuple(fc.constant(base), fc.constantFrom(...readFields[base])))
    .chain(([base, field]) =>
      fc.record({
        type: fc.constant("malformed" as const),
        base: fc.constant(base),
        path: fc.constant(field.path),
        value: wrongValue(field.type, field.required),
        extra: unknownFields,
      }),
    );
}
