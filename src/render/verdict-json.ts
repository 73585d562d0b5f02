import { Verdict } from "../budget/evaluate";
import { bigintJson } from "../table/quantity";

/**
 * The verdict as JSON (schema `jfrog-usage/verdict@1`): byte values are exact integers,
 * growth values are percentages with one decimal. See README, "Verdict JSON".
 */
export function verdictJson(verdict: Verdict): string {
  return bigintJson(verdict, 2) + "\n";
}
