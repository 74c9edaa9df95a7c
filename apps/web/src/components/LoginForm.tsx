import { type FormEvent, useState } from "react";
import { formErrorsOf } from "../form-errors.ts";
import { trpc } from "../trpc.ts";
import { TextField } from "./Field.tsx";

export function LoginForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState("demo@example.com");
  const [password, setPassword] = useState("");
  const login = trpc.auth.login.useMutation({ onSuccess: () => onSignedIn() }); // the server set the session cookie
  const errors = formErrorsOf(login.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email, password });
  };

  return (
    <main className="login">
      <form className="card" onSubmit={submit} aria-labelledby="login-heading" noValidate>
        <h1 id="login-heading">tradedesk</h1>
        <p className="muted">Sign in to your trading desk. Demo: demo@example.com / tradedesk-demo</p>
        <TextField
          label="Email"
          error={errors.fields.email}
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <TextField
          label="Password"
          error={errors.fields.password}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        {errors.form && (
          <p role="alert" className="error">
            {errors.form}
          </p>
        )}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
