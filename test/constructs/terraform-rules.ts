/**
 * Holds a synthesized cdk.tf.json to the Terraform rules that bite (see the reference), since
 * no Terraform binary can run here. Returns every violation found.
 */
type Json = Record<string, unknown>;

const REF = /\$\{[^}]*\b(var|local|data|null_resource|self|module)\.[A-Za-z_][\w-]*/;

function conditions(json: Json): { where: string; condition: unknown; message: unknown }[] {
  const out: { where: string; condition: unknown; message: unknown }[] = [];
  for (const [type, byName] of Object.entries(
    (json.resource ?? {}) as Record<string, Record<string, Json>>,
  )) {
    for (const [name, res] of Object.entries(byName)) {
      const lifecycle = (res.lifecycle ?? {}) as Json;
      for (const kind of ["precondition", "postcondition"]) {
        for (const c of (lifecycle[kind] ?? []) as Json[]) {
          out.push({
            where: `${type}.${name} ${kind}`,
            condition: c.condition,
            message: c.error_message,
          });
        }
      }
    }
  }
  for (const [name, check] of Object.entries((json.check ?? {}) as Record<string, Json>)) {
    for (const a of (check.assert ?? []) as Json[])
      out.push({ where: `check.${name}`, condition: a.condition, message: a.error_message });
  }
  return out;
}

export function terraformViolations(json: Json): string[] {
  const problems: string[] = [];
  const variables = new Set(Object.keys((json.variable ?? {}) as Json));
  const locals = new Set(Object.keys((json.locals ?? {}) as Json));
  const resources = new Set<string>();
  for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Json>)) {
    for (const name of Object.keys(byName)) resources.add(`${type}.${name}`);
  }
  for (const c of conditions(json)) {
    if (typeof c.condition !== "string" || !REF.test(c.condition)) {
      problems.push(
        `${c.where}: the condition must refer to at least one object (got ${JSON.stringify(c.condition)})`,
      );
    }
    if (typeof c.message !== "string" || c.message.trim() === "")
      problems.push(`${c.where}: error_message is required`);
    for (const m of String(c.condition).matchAll(/\bvar\.([\w-]+)/g))
      if (!variables.has(m[1])) problems.push(`${c.where}: undeclared var.${m[1]}`);
    for (const m of String(c.condition).matchAll(/\blocal\.([\w-]+)/g))
      if (!locals.has(m[1])) problems.push(`${c.where}: undeclared local.${m[1]}`);
    for (const m of String(c.message).matchAll(/\$\{([^}]*)\}/g)) {
      if (!/^var\.[\w-]+$|^local\.[\w-]+$/.test(m[1]))
        problems.push(
          `${c.where}: error_message interpolates ${m[0]}, which is not a variable or local`,
        );
    }
  }
  for (const [type, byName] of Object.entries(
    (json.resource ?? {}) as Record<string, Record<string, Json>>,
  )) {
    for (const [name, res] of Object.entries(byName)) {
      for (const dep of (res.depends_on ?? []) as string[]) {
        const target = /^\$\{(.+)\}$/.exec(dep)?.[1] ?? dep;
        if (!resources.has(target))
          problems.push(`${type}.${name}: depends_on ${dep} names no resource`);
      }
      for (const p of (res.provisioner ?? []) as Json[]) {
        const [kind, body] = Object.entries(p)[0] as [string, Json];
        if (!["local-exec", "remote-exec", "file"].includes(kind))
          problems.push(`${type}.${name}: unknown provisioner ${kind}`);
        if (kind === "local-exec" && (typeof body.command !== "string" || body.command === "")) {
          problems.push(`${type}.${name}: local-exec needs a command`);
        }
        if (body.when !== undefined && !["create", "destroy"].includes(String(body.when)))
          problems.push(`${type}.${name}: when must be create or destroy`);
        for (const [k, v] of Object.entries((body.environment ?? {}) as Json)) {
          if (typeof v !== "string")
            problems.push(`${type}.${name}: environment.${k} must be a string`);
        }
      }
    }
  }
  for (const [name, v] of Object.entries((json.variable ?? {}) as Record<string, Json>)) {
    if (v.type === "number" && typeof v.default !== "number")
      problems.push(`variable.${name}: a number variable needs a number default`);
  }
  return problems;
}
