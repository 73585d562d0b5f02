/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["cdktf/lib/testing/adapters/jest"],
  reporters: ["default", "<rootDir>/test/summary-reporter.js"],
  globalSetup: "<rootDir>/test/redis-setup.js",
  globalTeardown: "<rootDir>/test/redis-teardown.js",
  testTimeout: 60000,
};
