import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stepIdSchema } from "../core/flow/step-fields.ts";
import type { CliOutput } from "./cli-output.ts";

const schemaFile = fileURLToPath(new URL("../schema/flow.schema.json", import.meta.url));

/** `orkestr init <name>`: writes a commented starter flow that validates as it is. */
export function initCommand(name: string, options: { dir: string }, out: CliOutput): number {
  const id = stepIdSchema.safeParse(name);
  if (!id.success) {
    out.error(`"${name}" cannot be a flow id: use lower-case latin letters, digits, '_' and '-' (at most 40)`);
    return 1;
  }
  const file = join(options.dir, `${name}.yaml`);
  if (existsSync(file)) {
    out.error(`${file} already exists; choose another name or remove it first`);
    return 1;
  }
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(file, starterFlow(name, relative(options.dir, schemaFile)));
  out.log(`created ${file}`);
  out.log(`next: edit it (your editor completes keys from the schema), then run: npx orkestr validate ${file}`);
  return 0;
}

function starterFlow(id: string, schemaPath: string): string {
  return `# yaml-language-server: $schema=${schemaPath}
# A flow: steps run top to bottom; a step that asks or shows goto buttons waits for the person.
# Reference: docs/flows.md. Check it with: npx orkestr validate · try it: npx orkestr simulate ${id}
id: ${id}
title: ${id}
# Links that open this flow: t.me/<bot>?start=${id} · vk.me/<community>?ref=${id}
triggers:
  - start: ${id}
# No follow-ups at night (they are sent when the window ends).
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow }

steps:
  # A message with buttons; {{ … }} inserts a value (Liquid), <b> makes bold text.
  - id: welcome
    stage: awareness
    # Texts with ": " or starting with { go on the next lines after |- (or in quotes).
    say: |-
      Привет, {{ contact.first_name | default: "друг" }}! Это <b>${id}</b>.
    buttons:
      - { text: Продолжить, goto: consent }
    # Sent if the person is still at this step after the delay.
    followUps:
      - { after: 1h, say: "Вы остановились на полпути — нажмите «Продолжить»." }

  # Consent to process personal data (152-FZ) comes before asking for email or phone.
  - id: consent
    consent:
      version: v1
      text: Нажимая «Согласен», вы соглашаетесь на обработку персональных данных по <a href="https://example.com/privacy">политике</a>.

  # A question: the answer is checked (email, phone, number, choice or text) and saved.
  - id: ask_email
    stage: evaluation
    ask:
      type: email
      text: Куда прислать материалы? Напишите email.
      save: contact.email
      retry: "Похоже, в адресе опечатка. Пример: anna@example.com"

  # Tags mark contacts for segments and conditions.
  - id: mark_lead
    tag: { add: [lead] }

  - id: bye
    end: Спасибо! Материалы уже в пути.
`;
}
