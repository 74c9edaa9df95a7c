import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Dashboard } from "./components/Dashboard.tsx";
import { LoginForm } from "./components/LoginForm.tsx";
import { ToastProvider } from "./components/Toasts.tsx";
import { announce, endSession, hasSession, onSessionChangedElsewhere } from "./session.ts";
import { createTrpcClient, trpc } from "./trpc.ts";

function isUnauthorized(error: unknown): boolean {
  return (error as { data?: { code?: string } } | null)?.data?.code === "UNAUTHORIZED";
}

export function App() {
  // null until the server says whether the session cookie (unreadable to scripts) signs us in.
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  // Many queries fail at once when a session ends: sign out (and call the server) once.
  const signedInNow = useRef(signedIn);
  signedInNow.current = signedIn;
  const [queryClient] = useState(() => {
    // An expired or revoked session anywhere sends the user back to the sign-in form.
    const onError = (error: unknown) => {
      if (isUnauthorized(error) && signedInNow.current) signOut();
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { retry: (count, error) => !isUnauthorized(error) && count < 2 } },
    });
  });
  const [trpcClient] = useState(createTrpcClient);

  function signOut() {
    signedInNow.current = false;
    queryClient.clear();
    setSignedIn(false);
    // The cookie is cleared before the other tabs are told, so none of them reads it again.
    void endSession().then(() => announce("signed-out"));
  }

  useEffect(() => {
    let live = true;
    void hasSession().then((yes) => live && setSignedIn(yes));
    return () => {
      live = false;
    };
  }, []);

  // One session for every tab: signing in or out in another tab does the same here.
  useEffect(
    () =>
      onSessionChangedElsewhere((nowSignedIn) => {
        queryClient.clear();
        setSignedIn(nowSignedIn);
      }),
    [queryClient],
  );

  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          {signedIn === null ? (
            <p className="muted">Loading…</p>
          ) : signedIn ? (
            <Dashboard onSignOut={signOut} />
          ) : (
            <LoginForm
              onSignedIn={() => {
                queryClient.clear();
                setSignedIn(true);
                announce("signed-in");
              }}
            />
          )}
        </ToastProvider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
