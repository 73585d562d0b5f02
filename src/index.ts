/** The public API of cdktf-jfrog-usage. */
export { Clock, ManualClock, systemClock } from "./clock";
export * from "./errors";
export { USAGE_KEYS, UsageKey, Partition, CONSTRAINTS, exportFileName } from "./query/constraints";
export { UsagePeriod, DateRange, PeriodInput } from "./query/period";
export {
  UsageQuery,
  UsageFilter,
  NormalizedQuery,
  validateQuery,
  queryProblems,
  normalizeQuery,
  encodeQuery,
} from "./query/query";
export {
  ExportClient,
  ExportClientOptions,
  ExportResult,
  ClientEvent,
  exportUsage,
} from "./api/client";
export {
  RateLimiter,
  FileLimiterStore,
  MemoryLimiterStore,
  LimiterStore,
} from "./api/rate-limiter";
export { RetryOptions } from "./api/retry";
export { readUsageCsv, ReadUsageOptions } from "./table/read-csv";
export { UsageTable, UsageRow, groupTotals, partitionTotals } from "./table/usage-table";
export { BudgetLimit, LimitLevel, Size } from "./budget/limit";
export { evaluateBudget, Verdict, LimitResult, VerdictStatus } from "./budget/evaluate";
export { parseSize, formatBytes } from "./budget/units";
export { renderVerdictText } from "./render/verdict-text";
export { renderVerdictMarkdown } from "./render/verdict-markdown";
export { renderVerdictSvg } from "./render/verdict-svg";
export { verdictJson } from "./render/verdict-json";
export { BudgetSpec, parseSpec, readSpecFile, specToJson } from "./spec/spec";
export { runCheck, CheckResult } from "./check/run-check";
export { startSimulator, Simulator, SimulatorOptions, SimulatorFault } from "./simulator/server";
export {
  UsageReport,
  UsageReportProps,
  UsageBudget,
  UsageBudgetProps,
  resolveUsage,
  ResolveUsageOptions,
} from "./constructs";
