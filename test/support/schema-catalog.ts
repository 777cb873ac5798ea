// What a database built from a Prisma schema should contain, in the catalog shape of
// database-catalog.ts. The data model is read with the same Wasm schema parser Prisma's CLI uses
// (@prisma/prisma-schema-wasm `get_dmmf`, no schema engine needed).

import { stripVTControlCharacters } from "node:util";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import { type Catalog, describeColumn, describeIndex, stripCasts } from "./database-catalog.ts";

/** What a database migrated to match the schema should contain, read from the schema's text. */
export function schemaCatalog(schemaText: string, fileName = "schema.prisma"): Catalog {
  return describeSchema(readDatamodel(schemaText, fileName), relationConstraintNames(schemaText));
}

// The parts of Prisma's DMMF (`get_dmmf(...).datamodel`) the comparison reads.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

function readDatamodel(schemaText: string, fileName = "schema.prisma"): Datamodel {
  let out: string;
  try {
    out = get_dmmf(JSON.stringify({ prismaSchema: [[fileName, schemaText]] }));
  } catch (err) {
    // The Wasm module throws a JSON string with an ANSI-coloured message.
    const raw = err instanceof Error ? err.message : String(err);
    let message = raw;
    try {
      message = (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {}
    throw new Error(`${fileName} does not validate:\n${stripVTControlCharacters(message)}`);
  }
  return (JSON.parse(out) as { datamodel: Datamodel }).datamodel;
}

const PG_IDENTIFIER_MAX = 63;

/** Prisma's default constraint/index name: `{table}_{columns}_{suffix}`, cut to PostgreSQL's 63 bytes. */
function defaultName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join("_");
  const room = PG_IDENTIFIER_MAX - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room) : base}_${suffix}`;
}

/** The column type as PostgreSQL's format_type() prints it, for a Prisma field. */
function expectedColumnType(field: DmmfField, enums: Map<string, string>): string {
  let type: string;
  if (field.kind === "enum") {
    type = enums.get(field.type) ?? field.type;
  } else {
    const [native, args = []] = field.nativeType ?? [undefined, []];
    const p = args.length > 0 ? `(${args.join(",")})` : "";
    switch (native) {
      case undefined:
        type =
          {
            String: "text",
            Boolean: "boolean",
            Int: "integer",
            BigInt: "bigint",
            Float: "double precision",
            Decimal: "numeric(65,30)",
            DateTime: "timestamp(3) without time zone",
            Json: "jsonb",
            Bytes: "bytea",
          }[field.type] ?? `?${field.type}`;
        break;
      case "VarChar":
        type = `character varying${p}`;
        break;
      case "Char":
        type = `character${p || "(1)"}`;
        break;
      case "VarBit":
        type = `bit varying${p}`;
        break;
      case "Decimal":
        type = `numeric${p}`;
        break;
      case "DoublePrecision":
        type = "double precision";
        break;
      case "ByteA":
        type = "bytea";
        break;
      case "JsonB":
        type = "jsonb";
        break;
      case "Timestamp":
        type = `timestamp${p} without time zone`;
        break;
      case "Timestamptz":
        type = `timestamp${p} with time zone`;
        break;
      case "Time":
        type = `time${p} without time zone`;
        break;
      case "Timetz":
        type = `time${p} with time zone`;
        break;
      default:
        // Text, Uuid, Xml, Inet, Citext, SmallInt, Integer, BigInt, Real, Money, Oid, Date, Boolean, Bit, Json
        type = `${native.toLowerCase()}${p}`;
    }
  }
  return field.isList ? `${type}[]` : type;
}

function sqlLiteral(value: unknown, field: DmmfField): string {
  if (typeof value === "string") {
    if (field.type === "DateTime" && !Number.isNaN(Date.parse(value))) {
      return `'${new Date(value).toISOString()}'`;
    }
    return `'${value.replace(/'/g, "''")}'`;
  }
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** The database default the schema asks for (client-side defaults such as uuid() have none). */
function expectedDefault(field: DmmfField): string | null {
  const d = field.default;
  if (d === undefined || d === null) return null;
  if (Array.isArray(d)) return `ARRAY[${d.map((v) => sqlLiteral(v, field)).join(", ")}]`;
  if (typeof d === "object") {
    const fn = d as { name: string; args: unknown[] };
    switch (fn.name) {
      case "now":
        return "now()";
      case "autoincrement":
        return "autoincrement()";
      case "dbgenerated":
        return typeof fn.args[0] === "string" ? stripCasts(fn.args[0]).trim() : null;
      default:
        return null; // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client
    }
  }
  return sqlLiteral(d, field);
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

/**
 * `@relation(..., map: "name")` per `Model.field`: the DMMF leaves the foreign key's constraint
 * name out, so it is read from the schema text (a field and its attributes are one line in PSL).
 */
function relationConstraintNames(schemaText: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const model of schemaText.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    for (const rawLine of (model[2] ?? "").split("\n")) {
      const line = rawLine.replace(/\/\/.*$/, "");
      const field = /^\s*(\w+)\s/.exec(line)?.[1];
      const map = /@relation\([^)]*\bmap:\s*"([^"]+)"/.exec(line)?.[1];
      if (field && map) names.set(`${model[1]}.${field}`, map);
    }
  }
  return names;
}

/** What the migrated database should contain according to the schema. */
function describeSchema(datamodel: Datamodel, fkNames: Map<string, string> = new Map()): Catalog {
  const out: Catalog = new Map();
  const enums = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  for (const e of datamodel.enums) {
    out.set(`enum ${e.dbName ?? e.name}`, e.values.map((v) => v.dbName ?? v.name).join(", "));
  }
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: DmmfModel, fieldName: string): string => {
    const f = model.fields.find((x) => x.name === fieldName);
    return f?.dbName ?? fieldName;
  };

  for (const model of datamodel.models) {
    const table = model.dbName ?? model.name;
    out.set(`table ${table}`, "exists");
    for (const field of model.fields) {
      if (field.kind !== "scalar" && field.kind !== "enum") continue;
      const column = field.dbName ?? field.name;
      // Prisma creates scalar-list columns without NOT NULL.
      const nullable = !field.isRequired || field.isList;
      out.set(`column ${table}.${column}`, describeColumn(expectedColumnType(field, enums), nullable, expectedDefault(field)));
    }
    for (const field of model.fields) {
      const from = field.relationFromFields ?? [];
      if (field.kind !== "object" || from.length === 0) continue;
      const target = datamodel.models.find((m) => m.name === field.type);
      if (!target) continue;
      const columns = from.map((f) => columnOf(model, f));
      const refColumns = (field.relationToFields ?? []).map((f) => columnOf(target, f));
      const allRequired = from.every((f) => model.fields.find((x) => x.name === f)?.isRequired);
      const onDelete = field.relationOnDelete ?? (allRequired ? "Restrict" : "SetNull");
      const onUpdate = field.relationOnUpdate ?? "Cascade";
      out.set(
        `foreign key ${fkNames.get(`${model.name}.${field.name}`) ?? defaultName(table, columns, "fkey")}`,
        `${table}(${columns.join(", ")}) REFERENCES ${tableOf.get(target.name)}(${refColumns.join(", ")}) ` +
          `ON DELETE ${REFERENTIAL_ACTIONS[onDelete] ?? onDelete} ON UPDATE ${REFERENTIAL_ACTIONS[onUpdate] ?? onUpdate}`,
      );
    }
  }

  for (const index of datamodel.indexes) {
    const model = datamodel.models.find((m) => m.name === index.model);
    if (!model) continue;
    const table = model.dbName ?? model.name;
    const columns = index.fields.map((f) => columnOf(model, f.name));
    const keyed = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === "desc" ? " DESC" : ""}`);
    const method = (index.algorithm ?? "BTree").toLowerCase();
    if (index.type === "id") {
      out.set(`primary key of ${table}`, `${index.dbName ?? `${table}_pkey`} (${columns.join(", ")})`);
    } else if (index.type === "unique" || index.type === "normal") {
      const unique = index.type === "unique";
      const name = index.dbName ?? defaultName(table, columns, unique ? "key" : "idx");
      out.set(`index ${name}`, describeIndex(table, unique, keyed, method));
    }
  }
  return out;
}
