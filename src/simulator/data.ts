/**
 * Deterministic synthetic usage for a made-up subscription: several servers, repositories
 * of several package and repository types, projects, users, IPs and artifact paths, with a
 * weekly rhythm and steady growth so budgets and forecasts have something to bite on.
 * The same seed always yields the same bytes.
 */
import { UsageKey } from "../query/constraints";
import { DAY, dateMs } from "../query/dates";

export interface Repository {
  readonly name: string;
  readonly packageType: string;
  readonly repoType: "local" | "remote" | "virtual" | "federated";
  readonly project: string;
  /** Relative popularity. */
  readonly weight: number;
}

export interface Subscription {
  readonly servers: readonly string[];
  readonly services: readonly string[];
  readonly repositories: readonly Repository[];
  readonly users: readonly string[];
  readonly ips: readonly string[];
}

export type Dimensions = Record<UsageKey, string>;

export interface UsageEvent {
  readonly dims: Dimensions;
  readonly bytes: number;
}

export interface GeneratorOptions {
  readonly seed?: number;
  /** Events generated per full day. @default 240 */
  readonly eventsPerDay?: number;
  /** Average bytes transferred per day on 2025-01-01. @default 40 GB */
  readonly baseDailyBytes?: number;
  /** Daily growth rate. @default 0.001 (0.1% a day, about 44% a year) */
  readonly dailyGrowth?: number;
}

const REPOS: readonly Repository[] = [
  {
    name: "docker-prod-local",
    packageType: "docker",
    repoType: "local",
    project: "platform",
    weight: 14,
  },
  {
    name: "docker-remote",
    packageType: "docker",
    repoType: "remote",
    project: "platform",
    weight: 10,
  },
  { name: "npm-remote", packageType: "npm", repoType: "remote", project: "web", weight: 8 },
  { name: "npm-local", packageType: "npm", repoType: "local", project: "web", weight: 3 },
  {
    name: "libs-release-local",
    packageType: "maven",
    repoType: "local",
    project: "payments",
    weight: 6,
  },
  {
    name: "maven-central-remote",
    packageType: "maven",
    repoType: "remote",
    project: "payments",
    weight: 7,
  },
  {
    name: "libs-virtual",
    packageType: "maven",
    repoType: "virtual",
    project: "payments",
    weight: 2,
  },
  { name: "pypi-remote", packageType: "pypi", repoType: "remote", project: "data", weight: 5 },
  { name: "generic-local", packageType: "generic", repoType: "local", project: "data", weight: 4 },
  { name: "helm-local", packageType: "helm", repoType: "local", project: "platform", weight: 2 },
  { name: "go-remote", packageType: "go", repoType: "remote", project: "platform", weight: 2 },
  {
    name: "nuget-federated",
    packageType: "nuget",
    repoType: "federated",
    project: "web",
    weight: 1,
  },
];

export function buildSubscription(): Subscription {
  const users = [
    "ci-bot",
    "release-bot",
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
  ];
  const ips: string[] = [];
  for (let i = 1; i <= 16; i++) ips.push(`203.0.113.${i * 7}`);
  for (let i = 1; i <= 8; i++) ips.push(`198.51.100.${i * 11}`);
  return {
    servers: ["acme", "acme-eu", "acme-ci"],
    services: ["artifactory", "artifactory", "artifactory", "distribution"],
    repositories: REPOS,
    users,
    ips,
  };
}

/** mulberry32: small, fast and good enough for synthetic data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const REFERENCE_DAY = Date.UTC(2025, 0, 1);

/**
 * The synthetic events of one UTC day. `fraction` (0..1] keeps only the events that happened
 * in the first part of the day, which is how "today" looks before it is over.
 */
export function* eventsForDay(
  sub: Subscription,
  day: string,
  options: GeneratorOptions = {},
  fraction = 1,
): Generator<UsageEvent> {
  const seed = options.seed ?? 42;
  const perDay = options.eventsPerDay ?? 240;
  const base = options.baseDailyBytes ?? 40e9;
  const growth = options.dailyGrowth ?? 0.001;
  const t = dateMs(day);
  const dayIndex = Math.round((t - REFERENCE_DAY) / DAY);
  const rand = prng(mix(seed, dayIndex));
  const weekday = new Date(t).getUTCDay();
  const rhythm = weekday === 0 || weekday === 6 ? 0.45 : 1.15;
  const jitter = 0.85 + rand() * 0.3;
  const dailyBytes = base * Math.pow(1 + growth, dayIndex) * rhythm * jitter;
  const meanBytes = dailyBytes / perDay;
  const totalWeight = sub.repositories.reduce((s, r) => s + r.weight, 0);
  const count = Math.round(perDay * Math.min(1, Math.max(0, fraction)));

  for (let i = 0; i < count; i++) {
    let pick = rand() * totalWeight;
    let repo = sub.repositories[0];
    for (const r of sub.repositories) {
      pick -= r.weight;
      if (pick <= 0) {
        repo = r;
        break;
      }
    }
    const upload = repo.repoType === "local" ? rand() < 0.25 : rand() < 0.03;
    const user = upload
      ? sub.users[rand() < 0.7 ? 1 : 2 + Math.floor(rand() * (sub.users.length - 2))]
      : sub.users[rand() < 0.5 ? 0 : Math.floor(rand() * sub.users.length)];
    const artifact = Math.floor(Math.pow(rand(), 2) * 400);
    const path =
      repo.packageType === "generic" && artifact % 97 === 0
        ? `${repo.name}/reports/q${artifact % 4},"final" summary.pdf`
        : `${repo.name}/${repo.packageType}/pkg-${artifact % 60}/${artifact}`;
    const weight = -Math.log(1 - rand() * 0.999);
    yield {
      dims: {
        action: upload ? "upload" : "download",
        artifact_path: path,
        ip: sub.ips[Math.floor(Math.pow(rand(), 1.5) * sub.ips.length)],
        package_type: repo.packageType,
        project: repo.project,
        repo_type: repo.repoType,
        repository: repo.name,
        server_name: sub.servers[Math.floor(Math.pow(rand(), 2) * sub.servers.length)],
        service: sub.services[Math.floor(rand() * sub.services.length)],
        username: user,
      },
      bytes: Math.max(1, Math.round(meanBytes * weight * (upload ? 0.6 : 1))),
    };
  }
}
