import { terraformViolations } from "./terraform-rules";

describe("the Terraform rules checker itself", () => {
  it("GIVEN constant conditions, missing messages, dangling references THEN it reports each", () => {
    const bad = {
      variable: { v: { type: "number", default: "1" } },
      locals: { l: 1 },
      resource: {
        null_resource: {
          a: {
            lifecycle: {
              precondition: [
                { condition: false, error_message: "x" },
                { condition: "${2 < 1}", error_message: "y" },
                { condition: "${local.l <= var.v}" },
                { condition: "${local.nope <= var.v}", error_message: "${timestamp()}" },
              ],
            },
            depends_on: ["${null_resource.ghost}"],
            provisioner: [{ "local-exec": { command: "", when: "later", environment: { A: 1 } } }],
          },
        },
      },
      check: { c: { assert: [{ condition: "${true}", error_message: "" }] } },
    };
    expect(terraformViolations(bad)).toEqual([
      "null_resource.a precondition: the condition must refer to at least one object (got false)",
      'null_resource.a precondition: the condition must refer to at least one object (got "${2 < 1}")',
      "null_resource.a precondition: error_message is required",
      "null_resource.a precondition: undeclared local.nope",
      "null_resource.a precondition: error_message interpolates ${timestamp()}, which is not a variable or local",
      'check.c: the condition must refer to at least one object (got "${true}")',
      "check.c: error_message is required",
      "null_resource.a: depends_on ${null_resource.ghost} names no resource",
      "null_resource.a: local-exec needs a command",
      "null_resource.a: when must be create or destroy",
      "null_resource.a: environment.A must be a string",
      "variable.v: a number variable needs a number default",
    ]);
  });
});
