module.exports = async function teardown() {
  const child = globalThis.__JFU_REDIS__;
  if (child) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
};
