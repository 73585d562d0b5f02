export * from "./usage-report";
export * from "./usage-budget";
export * from "./resolve-usage";
