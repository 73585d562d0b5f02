import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { redact, resolveConnection, tokenIdentity } from "../../src/api/connection";
import { InvalidInputError, MissingTokenError } from "../../src/errors";
import { SECRET_TOKEN, tempDir } from "../helpers";

describe("resolveConnection", () => {
  const dir = tempDir();

  it("GIVEN no token anywhere THEN it fails before any request, saying how to set one", () => {
    expect(() => resolveConnection({ env: {} })).toThrow(MissingTokenError);
    expect(() => resolveConnection({ env: { MYJFROG_TOKEN: "  " } })).toThrow(
      /set MYJFROG_TOKEN, or MYJFROG_TOKEN_FILE/,
    );
  });

  it("reads the token from MYJFROG_TOKEN_FILE, trimmed", () => {
    const file = join(dir, "token");
    writeFileSync(file, `${SECRET_TOKEN}\n`);
    const c = resolveConnection({ env: { MYJFROG_TOKEN_FILE: file } });
    expect(c.token).toBe(SECRET_TOKEN);
    expect(c.baseUrl).toBe("https://my.jfrog.com");
  });

  it("names an unreadable token file without guessing its contents", () => {
    expect(() => resolveConnection({ env: { MYJFROG_TOKEN_FILE: join(dir, "nope") } })).toThrow(
      /MYJFROG_TOKEN_FILE: cannot read .*nope \(ENOENT\)/,
    );
  });

  it("keeps the token out of JSON and inspection", () => {
    const c = resolveConnection({ env: { MYJFROG_TOKEN: SECRET_TOKEN } });
    expect(JSON.stringify(c)).not.toContain(SECRET_TOKEN);
    expect(inspect(c, { depth: 5 })).not.toContain(SECRET_TOKEN);
    expect({ ...c }).not.toHaveProperty("token");
    expect(c.tokenId).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ["http://my.jfrog.com", /plain http is refused for my.jfrog.com/],
    ["http://10.0.0.5:8080", /plain http is refused/],
    ["ftp://my.jfrog.com", /must be an https:\/\/ URL/],
    ["not a url", /is not a URL/],
    ["https://user:pw@my.jfrog.com", /must not hold credentials/],
  ])("refuses MYJFROG_URL=%s", (url, message) => {
    expect(() => resolveConnection({ env: { MYJFROG_URL: url, MYJFROG_TOKEN: "t0ken" } })).toThrow(
      InvalidInputError,
    );
    expect(() => resolveConnection({ env: { MYJFROG_URL: url, MYJFROG_TOKEN: "t0ken" } })).toThrow(
      message,
    );
  });

  it.each([
    "http://127.0.0.1:8080",
    "http://localhost:1/",
    "http://[::1]:9000",
    "https://acme.jfrog.io",
  ])("accepts %s", (url) => {
    expect(resolveConnection({ env: { MYJFROG_URL: url, MYJFROG_TOKEN: "t0ken" } }).baseUrl).toBe(
      url.replace(/\/$/, ""),
    );
  });

  it("gives two subscriptions with the same token different identities", () => {
    expect(tokenIdentity("https://a.example", "t")).not.toBe(
      tokenIdentity("https://b.example", "t"),
    );
    expect(redact(`x ${SECRET_TOKEN} y`, SECRET_TOKEN)).toBe("x [REDACTED] y");
  });
});
