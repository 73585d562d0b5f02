import { TerraformStack } from "cdktf";
import { Construct } from "constructs";

/** A Terraform-safe name from a construct's path inside its stack: `transfer_budget`. */
export function terraformName(c: Construct): string {
  const stack = TerraformStack.of(c);
  const parts = c.node.scopes.slice(c.node.scopes.indexOf(stack) + 1).map((s) => s.node.id);
  const name = parts
    .join("_")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(name) ? name : `u_${name}`;
}

/** Text safe inside a Terraform template string (no `${` or `%{` of its own). */
export function terraformLiteral(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}
