import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.ts";
import { startTestApp } from "./testing/test-app.ts";

/** The browser's session: an httpOnly, SameSite=Strict cookie set at login, read by every request, cleared at logout. */

let app: App;
let url: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp());
});
afterAll(() => app?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("the session cookie", () => {
  it("is set at login (httpOnly, SameSite=Strict, /trpc only), signs requests in, and logout clears it", async () => {
    const login = await post("auth.login", { email: "demo@example.com", password: "tradedesk-demo" });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^tradedesk_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/trpc");
    const cookie = setCookie.split(";")[0] ?? "";

    // Another tab: the same cookie, no header.
    const me = await fetch(`${url}/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { result: { data: { email: string } } }).result.data.email).toBe(
      "demo@example.com",
    );
    expect((await fetch(`${url}/trpc/auth.me`)).status).toBe(401);

    const logout = await post("auth.logout", null, { cookie });
    expect(logout.status).toBe(200);
    expect(logout.headers.get("set-cookie")).toMatch(/^tradedesk_session=; Path=\/trpc; Max-Age=0;/);
  });

  it("a bearer header still works, and wins over a cookie", async () => {
    const login = await post("auth.login", { email: "demo@example.com", password: "tradedesk-demo" });
    const { token } = ((await login.json()) as { result: { data: { token: string } } }).result.data;
    const me = await fetch(`${url}/trpc/auth.me`, {
      headers: { authorization: `Bearer ${token}`, cookie: "tradedesk_session=not.a.token" },
    });
    expect(me.status).toBe(200);
  });
});
