import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { InvalidInputError, MissingTokenError } from "../errors";

export const DEFAULT_BASE_URL = "https://my.jfrog.com";

export interface ConnectionOptions {
  /** The MyJFrog portal. @default MYJFROG_URL, else https://my.jfrog.com */
  readonly baseUrl?: string;
  /** Bearer token. @default MYJFROG_TOKEN, else the contents of MYJFROG_TOKEN_FILE */
  readonly token?: string;
  /** A file that holds the token. @default MYJFROG_TOKEN_FILE */
  readonly tokenFile?: string;
  /** The environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Connection {
  readonly baseUrl: string;
  /** Non-enumerable in practice: see `resolveConnection`. */
  readonly token: string;
  /** A short, one-way name for the token, safe to log and to use in state files. */
  readonly tokenId: string;
  /** The host, which names the per-IP rate-limit scope. */
  readonly host: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** The base URL, checked: https anywhere, plain http only on loopback. */
export function resolveBaseUrl(options: ConnectionOptions = {}): URL {
  const env = options.env ?? process.env;
  const raw = options.baseUrl ?? env.MYJFROG_URL ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError(
      `MYJFROG_URL: "${raw}" is not a URL; write e.g. https://my.jfrog.com`,
    );
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new InvalidInputError(
      `MYJFROG_URL: plain http is refused for ${url.hostname}, so the token never crosses a network ` +
        "in clear text; use https (http is allowed only on loopback, for the simulator).",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(`MYJFROG_URL: "${raw}" must be an https:// URL`);
  }
  if (url.username || url.password) {
    throw new InvalidInputError(
      "MYJFROG_URL: must not hold credentials; set MYJFROG_TOKEN instead.",
    );
  }
  return url;
}

/** Resolves base URL and token; fails before any request when the token is missing. */
export function resolveConnection(options: ConnectionOptions = {}): Connection {
  const env = options.env ?? process.env;
  const url = resolveBaseUrl(options);
  let token = options.token ?? env.MYJFROG_TOKEN;
  const file = options.tokenFile ?? env.MYJFROG_TOKEN_FILE;
  if ((token === undefined || token.trim() === "") && file) {
    try {
      token = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
      throw new InvalidInputError(`MYJFROG_TOKEN_FILE: cannot read ${file} (${code}).`);
    }
  }
  token = token?.trim();
  if (!token) throw new MissingTokenError();
  if (/\s/.test(token)) {
    throw new InvalidInputError(
      "The MyJFrog token contains white space; check MYJFROG_TOKEN or its file.",
    );
  }
  const baseUrl = url.toString().replace(/\/+$/, "");
  const connection = {
    baseUrl,
    tokenId: tokenIdentity(baseUrl, token),
    host: url.host,
  } as Connection;
  // The token is kept out of JSON.stringify, util.inspect and object spreads.
  Object.defineProperty(connection, "token", { value: token, enumerable: false });
  return connection;
}

/** A one-way identity of (subscription, token): safe in logs, state files and cache keys. */
export function tokenIdentity(baseUrl: string, token: string): string {
  return createHash("sha256")
    .update(`jfrog-usage\u0000${baseUrl}\u0000${token}`)
    .digest("hex")
    .slice(0, 16);
}

/** Replaces every occurrence of the secret in a text. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join("[REDACTED]");
}
