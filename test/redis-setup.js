// Starts a Redis server on loopback for the suite, unless JFROG_USAGE_TEST_REDIS_URL names one
// (.ci/run starts Debian's redis-server itself). The Redis tests never skip: no server, no pass.
const { spawn, execFileSync } = require("node:child_process");
const net = require("node:net");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("error", () => resolve(false));
    sock.once("data", (d) => {
      sock.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    sock.write("PING\r\n");
  });
}

module.exports = async function setup() {
  if (process.env.JFROG_USAGE_TEST_REDIS_URL) return;
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "The tests need a Redis server: install Debian's redis-server (apt-get install -y redis-server) " +
        "or set JFROG_USAGE_TEST_REDIS_URL=redis://host:port.",
    );
  }
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  for (let i = 0; i < 100 && !(await ping(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await ping(port))) throw new Error(`redis-server did not start on port ${port}`);
  process.env.JFROG_USAGE_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
  globalThis.__JFU_REDIS__ = child;
};
